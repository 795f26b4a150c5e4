"""The wizard's screens (Textual). Thin: each collects choices, calls the engine in a worker, and
shows the result or the engine's error."""
