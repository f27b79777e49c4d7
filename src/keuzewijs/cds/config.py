"""The CDS data files as validated models: `knowledge/_common/cds.yaml` and `fhir-mapping.yaml`.

Cross-checked against the library at load: every mapped field, enum value, pack action and
definition must exist, so a typo in the data fails at start-up, not in a clinician's EHR.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Library
from keuzewijs.packs.conditions import Condition, DurationUnit, Ref, walk
from keuzewijs.packs.models import FieldType, Strict, Text

from .terminology import Code, Matcher, Terminology, ValueSetRef, load_terminology

_CODES = re.compile(r"\{codes:([A-Za-z]+)\}")
Hook = Literal["patient-view", "order-select", "order-sign", "encounter-discharge"]
ResourceType = Literal["Patient", "Condition", "Observation", "Procedure"]


# ---------------------------------------------------------------- fhir-mapping.yaml
CodeList = list[Code | ValueSetRef]


class MaxAge(Strict):
    """How old a statement may be and still describe today (e.g. a lab value)."""

    value: float = Field(gt=0)
    unit: DurationUnit
    basis: str = Field(min_length=1, description="why this window: a source or a site policy")


class ValueRule(Strict):
    kind: Literal["constant", "age", "elapsed", "quantity", "boolean", "coded"]
    value: bool | int | float | str | None = None
    unit: str | None = Field(None, description="UCUM unit a quantity must have")
    system: str | None = Field(
        None, description="coded: the system (alias) whose codes are the field's value ids"
    )

    @model_validator(mode="after")
    def _constant_needs_value(self) -> ValueRule:
        if (self.kind == "constant") != (self.value is not None):
            raise ValueError("`value` is given exactly when kind is constant")
        return self


class FieldMapping(Strict):
    field: str
    resource: ResourceType
    codes: CodeList = Field(default_factory=list)
    value: ValueRule
    absent: Literal["unknown", False] = "unknown"
    max_age: MaxAge | None = Field(
        None, description="older statements are not read (the field stays unknown)"
    )

    @model_validator(mode="after")
    def _codes_unless_patient(self) -> FieldMapping:
        if self.resource != "Patient" and not self.codes:
            raise ValueError(f"mapping of '{self.field}' from {self.resource} needs `codes`")
        return self


class ConditionMapping(Strict):
    diagnosis: CodeList = Field(min_length=1)
    recency: MaxAge | None = Field(
        None,
        description="an acute condition: a diagnosis whose onset or recorded date lies further "
        "back is history, even when its status is active (no decision-aid card)",
    )
    fields: list[FieldMapping] = Field(default_factory=list)


class Presence(Strict):
    present: list[Code]
    absent: list[Code]


class Reading(Strict):
    """Which resource statuses make a statement part of today's record (FHIR R4 value sets)."""

    condition_current: list[str] = Field(min_length=1)
    condition_ignored_verification: list[str] = Field(min_length=1)
    observation_status: list[str] = Field(min_length=1)
    procedure_status: list[str] = Field(min_length=1)


class FhirMapping(Strict):
    systems: dict[str, str]
    sources: dict[str, str]
    reading: Reading
    presence: Presence
    conditions: dict[str, ConditionMapping]

    def system(self, alias: str) -> str:
        return self.systems.get(alias, alias)


# ---------------------------------------------------------------- cds.yaml
class Service(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    hook: Hook
    title: Text
    description: Text
    prefetch: dict[str, str]


class OrderMapping(Strict):
    condition: str
    action: str
    hooks: list[Literal["order-select", "order-sign"]] = Field(min_length=1)
    codes: CodeList = Field(min_length=1)
    inform: list[str] = Field(
        default_factory=list,
        description="recommendations of the pack that, when they fire, add an info card to this "
        "order (e.g. 'do not wait too long'); recommendations against the action always give a "
        "warning card",
    )


class DischargeRule(Strict):
    condition: str
    when: Condition
    alarm_signs_about: str


class OverrideReason(Strict):
    code: str
    display: Text


class OverrideReasons(Strict):
    system: str
    reasons: list[OverrideReason] = Field(min_length=1)


class CdsFile(Strict):
    prefetch: dict[str, str] = Field(
        default_factory=dict, description="shared templates (a YAML anchor)"
    )
    services: list[Service] = Field(min_length=1)
    orders: list[OrderMapping] = Field(default_factory=list)
    discharge: list[DischargeRule] = Field(default_factory=list)
    override_reasons: OverrideReasons
    texts: dict[str, Text]

    def text(self, key: str, lang: str, **values: str) -> str:
        return self.texts[key].get(lang).format(**values)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)


class CdsData:
    """Both files, checked against the packs of one library."""

    def __init__(
        self,
        cds: CdsFile,
        mapping: FhirMapping,
        library: Library,
        terminology: Terminology | None = None,
    ):
        self.cds, self.mapping, self.library = cds, mapping, library
        self.terminology = terminology or load_terminology(common_dir(library), mapping.systems)
        problems = list(_problems(cds, mapping, library, self.terminology))
        if problems:
            path, message = problems[0]
            raise KnowledgeError(message, path=path)

        self.prefetch = {s.id: self._expand(s.prefetch) for s in cds.services}

    def matcher(self, codes: Sequence[Code | ValueSetRef], where: str = "") -> Matcher:
        return Matcher(self.terminology, self.terminology.entries(codes, where))

    def _expand(self, templates: dict[str, str]) -> dict[str, str]:
        """Fill `{codes:<ResourceType>}` with the codes the mapping reads from that type, as a
        FHIR token list (system|code, comma-separated, `|` percent-encoded)."""

        def codes(match: re.Match[str]) -> str:
            kind = match.group(1)
            seen: dict[str, None] = {}
            for cid, cmap in self.mapping.conditions.items():
                if cid not in self.library.packs:
                    continue
                for fm in cmap.fields:
                    if fm.resource != kind:
                        continue
                    for code in self.terminology.codes_of(fm.codes):
                        if code.match != "exact":
                            raise KnowledgeError(
                                f"a code family ({code.code}) cannot filter a {kind} search",
                                path=f"fhir-mapping.yaml: conditions.{cid}",
                            )
                        seen[f"{self.mapping.system(code.system)}%7C{code.code}"] = None
            if not seen:
                raise KnowledgeError(f"no {kind} codes in the mapping", path="cds.yaml: prefetch")
            return ",".join(seen)

        return {k: _CODES.sub(codes, t) for k, t in templates.items()}


# A standard code system (valuesets/code-systems.yaml) is reached through a value set with a
# committed expansion, so that the CDS mapping, the audit and the FHIR export use one definition.
# Inline codes are for keuzewijs' own structured findings and a site's local systems.
INLINE_SYSTEMS_PREFIX = "keuzewijs-"


def _code_problems(
    where: str, codes: Sequence[Code | ValueSetRef], mapping: FhirMapping, terms: Terminology
):
    for item in codes:
        if isinstance(item, ValueSetRef):
            vs = terms.valuesets.get(item.valueset)
            if vs is None:
                yield where, f"unknown value set '{item.valueset}'"
                return
            if vs.resource is not None and vs.resource.expansion is None:
                yield where, f"value set '{item.valueset}' has no expansion"
        elif item.system in terms.systems and not item.system.startswith(INLINE_SYSTEMS_PREFIX):
            yield where, f"code {item.code}: {item.system} codes belong in a value set"
        elif item.system not in mapping.systems or item.source not in mapping.sources:
            yield where, f"code {item.code}: unknown system or source alias"


def _problems(cds: CdsFile, mapping: FhirMapping, library: Library, terms: Terminology):
    for vid, vs in terms.valuesets.items():
        where = f"valuesets: {vid}"
        for code in vs.codes:
            if code.system not in mapping.systems or code.source not in terms.sources:
                yield where, f"code {code.code}: unknown system or source alias"
        for other in vs.include:
            if other not in terms.valuesets:
                yield where, f"include: unknown value set '{other}'"
    for cond_id, cmap in mapping.conditions.items():
        base = f"fhir-mapping.yaml: conditions.{cond_id}"
        if cond_id not in library.packs:
            continue  # a pack not installed in this knowledge folder: its mapping stays unused
        pack = library.packs[cond_id]
        for i, fm in enumerate(cmap.fields):
            where = f"{base}.fields[{i}]"
            spec = pack.fields.get(fm.field)
            if spec is None:
                yield where, f"field '{fm.field}' is not in the profile of {cond_id}"
                continue
            yield from _code_problems(where, fm.codes, mapping, terms)
            yield from _value_fits(where, fm, spec)
        yield from _code_problems(f"{base}.diagnosis", cmap.diagnosis, mapping, terms)
    yield from _order_problems(cds, mapping, library, terms)
    yield from _discharge_problems(cds, library)


def _order_problems(cds: CdsFile, mapping: FhirMapping, library: Library, terms: Terminology):
    """cds.yaml orders: the action, the rules they inform about, a mapping and codes exist."""
    for i, order in enumerate(cds.orders):
        where = f"cds.yaml: orders[{i}]"
        if (
            order.condition in library.packs
            and order.action not in library.packs[order.condition].options
        ):
            yield where, f"action '{order.action}' is not an option/action of {order.condition}"
        if order.condition in library.packs:
            recs = {r.id for r in library.packs[order.condition].rules.recommendations}
            for rule_id in order.inform:
                if rule_id not in recs:
                    yield where, f"inform: '{rule_id}' is not a recommendation of {order.condition}"
        if order.condition in library.packs and order.condition not in mapping.conditions:
            yield where, f"no FHIR mapping for condition '{order.condition}'"
        yield from _code_problems(where, order.codes, mapping, terms)


def _discharge_problems(cds: CdsFile, library: Library):
    """cds.yaml discharge rules: the action and the definitions they read exist."""
    for i, rule in enumerate(cds.discharge):
        where = f"cds.yaml: discharge[{i}]"
        if rule.condition not in library.packs:
            continue
        pack = library.packs[rule.condition]
        if rule.alarm_signs_about not in pack.options:
            yield where, f"'{rule.alarm_signs_about}' is not an action of {rule.condition}"
        for node in walk(rule.when):
            if isinstance(node, Ref) and node.ref not in pack.rules.definitions:
                yield where, f"definition '{node.ref}' is not in {rule.condition}'s rules.yaml"


def _value_fits(where: str, fm: FieldMapping, spec: Any):
    kind, value = fm.value.kind, fm.value.value
    if kind == "constant":
        if spec.type == FieldType.boolean and not isinstance(value, bool):
            yield where, f"'{fm.field}' is true/false"
        if spec.type in (FieldType.enum, FieldType.set) and value not in spec.value_ids():
            yield (
                where,
                f"'{value}' is not a value of '{fm.field}' "
                f"(allowed: {', '.join(spec.value_ids())})",
            )
    elif kind == "elapsed" and spec.type != FieldType.duration:
        yield where, f"'{fm.field}' is not a duration field"
    elif kind == "age" and (fm.resource != "Patient" or spec.unit != "years"):
        yield where, f"age comes from Patient into a field in years ('{fm.field}')"
    elif kind == "boolean" and spec.type != FieldType.boolean:
        yield where, f"'{fm.field}' is not a boolean field"
    elif kind == "coded" and (spec.type != FieldType.enum or fm.value.system is None):
        yield where, f"coded values fill an enum field and name their `system` ('{fm.field}')"


def common_dir(library: Library) -> Path:
    """The library's own shared data folder (value sets live in its `valuesets/`)."""
    return library.root / "_common"


def load_cds_data(library: Library) -> CdsData:
    """The CDS data for this library, loaded once (kept on the library)."""
    return library.derive(
        "cds.data",
        lambda: CdsData(
            library.common("cds.yaml", CdsFile),
            library.common("fhir-mapping.yaml", FhirMapping),
            library,
        ),
    )
