"""Visitors over the condition tree: evaluate (three-valued), render as text, convert units.

Each use of a rule (advice, text, FHIRPath, audit query) is a translation of the
same data structure, never a second copy of the rule.
"""
