"""The pitstop command line (Typer + rich)."""
