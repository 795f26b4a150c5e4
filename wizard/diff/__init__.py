"""Schema diff of two Muses: each side a Muse folder, a template, or a live database."""
