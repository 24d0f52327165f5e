"""The ``drachma`` command-line tool (Typer)."""
