"""What the clinician view says about rules, fields and sources, in words: the rule's clinician
text (clinician.yaml), a field's label, the subject of a trace row. Never a rule id, field name
or enum value: those are the pack's internal references (issue 19 item 6)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from keuzewijs.engine.contract import TraceEntry
from keuzewijs.packs import Pack
from keuzewijs.packs.models import RecommendationRule, RedFlag, Text


@dataclass(frozen=True)
class ClinicianLine:
    """A rule in the clinician's voice; `patient_text` is set when the pack has no clinician
    text and the patient's text is shown instead (marked as such, nothing hidden)."""

    text: str
    patient_text: bool = False


def clinician_line(
    pack: Pack | None, rule: str, patient: str, lang: str, texts: dict[str, Text]
) -> ClinicianLine:
    """The clinician text of `rule`: the pack's (clinician.yaml), the engine's own note
    (`clinician.note.<rule>` in the UI texts), or else the patient's text, marked."""
    own = pack.clinician.text_for(rule) if pack is not None and pack.clinician else None
    if own is not None:
        return ClinicianLine(own.get(lang))
    note = texts.get(f"clinician.note.{rule}")
    if note is not None:
        return ClinicianLine(note.get(lang))
    return ClinicianLine(patient, patient_text=True)


def field_label(pack: Pack | None, name: str, lang: str) -> str:
    """A profile field's or a definition's label, for lists of what is missing."""
    if pack is not None and name in pack.fields:
        return pack.fields[name].label.get(lang)
    definition = pack.rules.definitions.get(name) if pack is not None else None
    return definition.label.get(lang) if definition is not None else name


def trace_subject(pack: Pack | None, entry: TraceEntry, lang: str, texts: dict[str, Text]) -> str:
    """What a trace row is about, in words: the rule's clinician text, the option's or the
    outcome's name, or the field an implication fills in."""
    if pack is None:
        return entry.rule
    if entry.kind in ("red_flag", "recommendation"):
        rule = next((r for r in pack.rules.rules if r.id == entry.rule), None)
        patient = entry.rule
        if isinstance(rule, RedFlag):
            patient = rule.message.get(lang)
        elif isinstance(rule, RecommendationRule):
            patient = rule.text.get(lang)
        return clinician_line(pack, entry.rule, patient, lang, texts).text
    if entry.kind == "option" and entry.rule in pack.options:
        return pack.options[entry.rule].name.get(lang)
    if entry.kind == "estimate":
        return _estimate_subject(pack, entry.rule, lang)
    if entry.kind == "implication":
        implication = next((i for i in pack.rules.implications if i.id == entry.rule), None)
        if implication is not None:
            label = field_label(pack, implication.then.field, lang)
            return texts["clinician.implied"].get(lang).format(field=label)
    return entry.rule


def estimate_outcome(pack: Pack, estimate_id: str) -> tuple[Any, Any]:
    """The estimate with this id and the outcome it is about (each None when unknown)."""
    estimate: Any = next((e for e in pack.evidence.estimates if e.id == estimate_id), None)
    return estimate, pack.outcomes.get(estimate.outcome) if estimate is not None else None


def _estimate_subject(pack: Pack, estimate_id: str, lang: str) -> str:
    estimate, found = estimate_outcome(pack, estimate_id)
    if found is None:
        return estimate_id
    outcome = found.name.get(lang)
    option = getattr(estimate, "option", None)
    if option in pack.options:
        return f"{outcome} ({pack.options[option].name.get(lang)})"
    return outcome


# The engine states how it computed a figure in English (the Advice contract); the page says it
# in the reader's language. Each pattern is one of the engine's wordings (engine/outcomes.py,
# evidence/absolute.py); its groups fill the UI text `method.<key>`.
_METHODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"relative effect only"), "relative_only"),
    (re.compile(r"baseline \(control-group\) risk"), "baseline"),
    (re.compile(r"GRADE: baseline risk x (?P<measure>\w+)"), "grade"),
    (re.compile(r"GRADE: baseline odds x OR"), "grade_odds"),
    (re.compile(r"Newcombe & Bender 2014: baseline risk x (?P<measure>\w+)"), "mover"),
    (re.compile(r"observed (?P<events>\d+)/(?P<total>\d+); 95% Wilson"), "observed"),
    (re.compile(r"pooled control arms (?P<events>\d+)/(?P<total>\d+); 95% Wilson"), "pooled_arms"),
    (re.compile(r"reported proportion; no counts"), "reported"),
    (re.compile(r"two observed arms; 95% interval of the difference"), "two_arms"),
)


def method_text(method: str, lang: str, texts: dict[str, Text]) -> str:
    """How a figure was computed, in the page's language; an unknown wording as it is."""
    for pattern, key in _METHODS:
        found = pattern.match(method)
        if found:
            return texts[f"method.{key}"].get(lang).format(**found.groupdict())
    return method


def forest_labels(texts: dict[str, Text], lang: str) -> dict[str, str]:
    """The words of the study-level forest plot in `lang` (UI texts `forest.<key>`)."""
    from keuzewijs.evidence.plot import ENGLISH  # matplotlib: only when a plot is drawn

    return {key: texts[f"forest.{key}"].get(lang) for key in ENGLISH}
