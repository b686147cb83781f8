"""From the repository to the frozen release plan: detection, version rules, only-up, drift."""
