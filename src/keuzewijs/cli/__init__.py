"""Command-line interface (Typer + rich). Errors become exit code 2 and one line."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
