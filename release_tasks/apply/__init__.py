"""What ``update`` writes: every version site of a release, old and new value, through the journal."""
