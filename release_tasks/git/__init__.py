"""The managed repository as one run reads it (one snapshot), and the few writes a release makes."""
