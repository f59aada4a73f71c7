"""Pure rules: no I/O, no framework, no clock of their own (time is always a parameter)."""
