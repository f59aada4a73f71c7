"""Use cases: load -> domain rule -> save + audit -> commit -> publish."""
