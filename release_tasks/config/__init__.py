"""``release.toml``: its one description, its reader and checks, schema, reference and credentials."""
