"""``publish_crates``: the core crates by phase, checked byte by byte, paced to rate limits."""
