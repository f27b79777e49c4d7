"""Presenters shared by several boundaries: the terminal text of an advice (CLI, and the
readability gate of `validate`, which checks what a patient reads)."""
