"""Command-line interface (Typer + rich). Errors become exit code 2 and one line."""
