"""Cargo's own model of the workspace (``cargo metadata``) and cargo's version requirements."""
