"""Storage: engine and sessions, tables, portable types, query functions, migrations."""
