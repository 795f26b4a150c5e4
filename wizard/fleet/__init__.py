"""The portfolio: every Muse in the registry at once (status, core roll-outs)."""
