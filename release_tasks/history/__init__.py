"""``history``: what was released and published when, from the tags and the registries."""
