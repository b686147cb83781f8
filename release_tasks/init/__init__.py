"""``init``: a ``release.toml`` inferred from cargo's model of the workspace and the tree."""
