"""``workflow``: the GitHub Actions release workflow of a repository, made from its config."""
