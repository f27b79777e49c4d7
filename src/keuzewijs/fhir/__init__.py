"""FHIR views of the knowledge: FHIRPath from rule conditions, pack and decision export (R4B
models)."""
