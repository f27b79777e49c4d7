"""Checks on the knowledge base beyond its schema: vignettes (the clinical specification) and
coverage."""
