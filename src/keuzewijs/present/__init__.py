"""Presenters shared by several boundaries: the terminal text of an advice (CLI, and the
readability gate of `validate`, which checks what a patient reads)."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
