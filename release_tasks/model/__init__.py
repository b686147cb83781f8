"""Frozen values with no I/O: versions, the config's components, path patterns, the duplicate policy."""
