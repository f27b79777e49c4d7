"""Pydantic models of a knowledge pack: the schema every data file is validated against.

One pack = one folder `knowledge/<condition-id>/` with the files
  pack.yaml      what the condition is, the decision, facts, production date, update policy
  profile.yaml   the fields a patient profile may have (the pack's controlled vocabulary)
  options.yaml   treatment options and actions (ids used by rules and evidence)
  outcomes.yaml  outcomes that evidence gives numbers for
  evidence.yaml  effect estimates (relative, with baseline) and observed proportions
  rules.yaml     named definitions, red flags and recommendations (conditions as data)
  sources.yaml   bibliography; every fact cites `{id, locator}` into it
Every model forbids unknown keys, so a typo in a data file is an error, not a silent default.

The models are in one module per file kind (common, sources, meta, profile, options, evidence,
rules, texts, sites); every name is re-exported here, so `from keuzewijs.packs.models import X`
stays.
"""

from .common import ID_PATTERN, Cited, Fact, SourceRef, Statement, Strict, Text
from .evidence import (
    Baseline,
    Certainty,
    CertaintyBy,
    Estimate,
    EvidenceFile,
    Grading,
    Pooled,
    ProportionEstimate,
    RelativeEstimate,
    StudyCard,
    StudyColumn,
    StudyData,
)
from .meta import AfterTreatment, PackMeta, ValueStatement
from .options import Option, OptionsFile, Outcome, OutcomesFile
from .profile import DerivedFrom, EnumValue, FieldType, ProfileField, ProfileSchema, ShowIf
from .rules import (
    SLOWEST_ALLOWED,
    URGENCY_ORDER,
    Decision,
    Definition,
    Direction,
    Implication,
    Implied,
    RecommendationRule,
    RedFlag,
    Rule,
    RulesFile,
    Severity,
    Strength,
    Urgency,
)
from .sites import CLOCK_PATTERN, Hours, Phone, Site, UiTexts, Weekday
from .sources import Source, SourceKind, SourcesFile
from .texts import (
    GRID_MAX_QUESTIONS,
    GRID_MAX_WORDS,
    ClinicianFile,
    ClinicianText,
    GridAnswer,
    GridFile,
    GridQuestion,
    Referral,
)

__all__ = [
    "CLOCK_PATTERN",
    "GRID_MAX_QUESTIONS",
    "GRID_MAX_WORDS",
    "ID_PATTERN",
    "SLOWEST_ALLOWED",
    "URGENCY_ORDER",
    "AfterTreatment",
    "Baseline",
    "Certainty",
    "CertaintyBy",
    "Cited",
    "ClinicianFile",
    "ClinicianText",
    "Decision",
    "Definition",
    "DerivedFrom",
    "Direction",
    "EnumValue",
    "Estimate",
    "EvidenceFile",
    "Fact",
    "FieldType",
    "Grading",
    "GridAnswer",
    "GridFile",
    "GridQuestion",
    "Hours",
    "Implication",
    "Implied",
    "Option",
    "OptionsFile",
    "Outcome",
    "OutcomesFile",
    "PackMeta",
    "Phone",
    "Pooled",
    "ProfileField",
    "ProfileSchema",
    "ProportionEstimate",
    "RecommendationRule",
    "RedFlag",
    "Referral",
    "RelativeEstimate",
    "Rule",
    "RulesFile",
    "Severity",
    "ShowIf",
    "Site",
    "Source",
    "SourceKind",
    "SourceRef",
    "SourcesFile",
    "Statement",
    "Strength",
    "Strict",
    "StudyCard",
    "StudyColumn",
    "StudyData",
    "Text",
    "UiTexts",
    "Urgency",
    "ValueStatement",
    "Weekday",
]
