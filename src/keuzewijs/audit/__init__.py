"""Population audit: how often is each 'wise choice' of a knowledge pack followed in practice?

The indicator's numerator is a pack rule (written once, in the pack) evaluated per patient at the
index date over OMOP CDM data. The rule's condition tree is translated generically into an Ibis
boolean expression (translate.py), so DuckDB, Spark and PostgreSQL run the very rule the engine
evaluates for one patient.
"""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
