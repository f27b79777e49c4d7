"""HL7 CDS Hooks 2.0 service: FHIR -> profile (data-driven), engine advice -> cards.

The engine decides; this package only maps the EHR's FHIR data onto a pack's profile,
calls `keuzewijs.engine.advise`, and turns the Advice into cards and order ratings.
"""

from keuzewijs.cds.router import CdsService

__all__ = ["CdsService"]
