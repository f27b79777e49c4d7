"""Visitors over the condition tree: evaluate (three-valued), render as text, convert units.

Each use of a rule (advice, text, FHIRPath, audit query) is a translation of the
same data structure, never a second copy of the rule.
"""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
