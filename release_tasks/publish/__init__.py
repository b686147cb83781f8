"""Publishing: a binding to its registry file by file; the core crates in :mod:`.crates`."""
