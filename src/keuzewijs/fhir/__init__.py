"""FHIRPath from rule conditions; pack and decision export in R4 or R4B."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
