"""What each hook does with the patient's record: find its packs, ask the engine, make cards."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.compiled import compiled
from keuzewijs.engine.contract import Advice

from .cards import EXT, CardMaker
from .config import CdsData, Hook, OrderMapping
from .hooks import Action, Card, Suggestion
from .mapping import Mapped, Note, ProfileBuilder, has_diagnosis
from .rating import PAMA_AUC, PAMA_CONSULT_ID, PAMA_QCDSM, PAMA_RATING, PAMA_SYSTEM, rate
from .record import Record, parse_resource, references_patient
from .settings import CdsSettings


@dataclass
class Outcome:
    cards: list[Card]
    system_actions: list[Action]


@dataclass
class DraftOrder:
    """A draft ServiceRequest the service rates, with the mapping that names its pack action."""

    index: int
    raw: dict[str, Any]
    order: Any
    mapping: OrderMapping

    @property
    def ref(self) -> str | None:
        """Its relative reference; None for a draft without an id (it cannot be deleted or updated
        by reference, so it gets cards but no suggestion or system action)."""
        return f"ServiceRequest/{self.order.id}" if self.order.id else None


@dataclass
class Run:
    """Advice per pack for one hook call, computed once, with the mapping trace."""

    advice: dict[str, Advice] = field(default_factory=dict)
    notes: dict[str, list[Note]] = field(default_factory=dict)


@dataclass(frozen=True)
class Handler:
    """What one hook does with a call: `run(record, now, drafts)`. A hook that `rates_orders` gets
    the draft orders it rates (`HookLogic.draft_orders`, read before any data is fetched: without
    one there is nothing to say); the others get an empty list."""

    run: Callable[[Record, dt.datetime, list[DraftOrder]], Outcome]
    rates_orders: bool = False


class HookLogic:
    def __init__(self, data: CdsData, settings: CdsSettings):
        self.data, self.settings = data, settings
        self.library = data.library
        self.mapping = data.mapping
        self.builders = {
            cid: ProfileBuilder(
                data, self.library.packs[cid], cmap, f"fhir-mapping.yaml: conditions.{cid}"
            )
            for cid, cmap in self.mapping.conditions.items()
            if cid in self.library.packs
        }
        self.orders = [
            (o, data.matcher(o.codes, f"cds.yaml: orders[{i}]"))
            for i, o in enumerate(data.cds.orders)
        ]
        orders = Handler(self.orders_hook, rates_orders=True)
        self.handlers: dict[Hook, Handler] = {
            "patient-view": Handler(lambda record, now, _: self.patient_view(record, now)),
            "encounter-discharge": Handler(lambda record, now, _: self.discharge(record, now)),
            "order-select": orders,
            "order-sign": orders,
        }

    def maker(self) -> CardMaker:
        return CardMaker(self.data.cds, self.settings, self.settings.lang, self.library)

    def _advice(self, run: Run, cond_id: str, record: Record, now: dt.datetime) -> Advice:
        if cond_id not in run.advice:
            pack = self.library.packs[cond_id]
            mapped: Mapped = self.builders[cond_id].build(record, now)
            run.advice[cond_id] = advise_pack(
                self.library, pack, mapped.profile, self.settings.lang
            )
            run.notes[cond_id] = mapped.notes
        return run.advice[cond_id]

    def _conditions(self, record: Record, now: dt.datetime) -> list[str]:
        return [
            cid
            for cid, builder in self.builders.items()
            if has_diagnosis(record, self.data, builder.diagnosis, now)
        ]

    # ------------------------------------------------------------ patient-view
    def patient_view(self, record: Record, now: dt.datetime) -> Outcome:
        maker, cards, run = self.maker(), [], Run()
        deceased = record.deceased(now)
        for cond_id in self._conditions(record, now):
            advice = self._advice(run, cond_id, record, now)
            cards += maker.urgent_cards(advice)
            if not deceased:  # a decision aid is for a living patient
                cards.append(maker.decision_aid_card(advice, run.notes[cond_id]))
        return Outcome(cards, [])

    # ------------------------------------------------------------ encounter-discharge
    def discharge(self, record: Record, now: dt.datetime) -> Outcome:
        maker, cards, run = self.maker(), [], Run()
        present = set(self._conditions(record, now))
        deceased = record.deceased(now)
        for rule in self.data.cds.discharge:
            if rule.condition not in present:
                continue
            pack = self.library.packs[rule.condition]
            advice = self._advice(run, rule.condition, record, now)
            applies = compiled(self.library, pack).holds(rule.when, advice.profile)
            cards += maker.urgent_cards(advice)
            if applies is not True or deceased:  # unknown (e.g. no operation on record): no card
                continue
            lang = self.settings.lang
            signs = [f for f in pack.rules.red_flags if f.about == rule.alarm_signs_about]
            lines = "\n".join(f"- {f.message.get(lang)} {f.action.get(lang)}" for f in signs)
            refs = [s for f in signs for s in f.sources]
            detail = "\n\n".join(
                p
                for p in (
                    maker.t("discharge.intro"),
                    lines,
                    maker.cited(_with_sources(advice, pack), refs),
                )
                if p
            )
            cards.append(
                maker.card(
                    advice,
                    indicator="info",
                    summary=maker.t("discharge.summary", condition=advice.condition_name),
                    detail=detail,
                    links=[
                        {
                            "label": maker.t("discharge.link"),
                            "url": maker.url(
                                self.settings.print_url, rule.condition, advice.profile
                            ),
                            "type": "absolute",
                        }
                    ],
                    extension={f"{EXT}.knowledge-version": advice.knowledge_version},
                )
            )
        return Outcome(cards, [])

    # ------------------------------------------------------------ order-select / order-sign
    def draft_orders(self, hook: str, context: dict[str, Any]) -> list[DraftOrder]:
        """The draft orders this service rates: ServiceRequests (other order types are not read, so
        they are not validated), selected (order-select), for this patient, with a mapped code."""
        selected = set(context.get("selections") or []) if hook == "order-select" else None
        entries = context["draftOrders"].get("entry") or []
        out = []
        for i, entry in enumerate(entries):
            raw = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(raw, dict) or raw.get("resourceType") != "ServiceRequest":
                continue
            if selected is not None and f"ServiceRequest/{raw.get('id')}" not in selected:
                continue  # not selected (an order without an id cannot be)
            order = parse_resource(raw, f"context.draftOrders.entry[{i}].resource")
            subject = order.subject.reference if order.subject else None
            if subject and not references_patient(subject, context["patientId"]):
                continue  # an order for another patient is not this hook's patient's order
            match = self._order_mapping(hook, order)
            if match is not None:
                out.append(DraftOrder(i, raw, order, match))
        return out

    def orders_hook(self, record: Record, now: dt.datetime, drafts: list[DraftOrder]) -> Outcome:
        maker, cards, actions, run = self.maker(), [], [], Run()
        for draft in drafts:
            order, ref = draft.order, draft.ref
            match = draft.mapping
            cmap = self.builders[match.condition]
            if not has_diagnosis(record, self.data, cmap.diagnosis, now, order.reasonCode or []):
                if ref:
                    actions.append(self._rating_action(draft.raw, "no-criteria-apply"))
                continue
            advice = self._advice(run, match.condition, record, now)
            pack = self.library.packs[match.condition]
            result = rate(pack, advice, match.action)
            label = (order.code.text if order.code and order.code.text else None) or ref or "?"
            notes = run.notes[match.condition]
            if result.provisional:  # 'not now, unless ...': say so, with the assumed rating
                for rec in result.provisional:
                    cards.append(
                        self._provisional_card(maker, advice, rec, ref, result.assumed, notes)
                    )
                continue
            if result.rating is None:
                cards.append(
                    self._undetermined_card(maker, advice, result.undecided, ref, label, notes)
                )
                continue
            if ref:
                actions.append(self._rating_action(draft.raw, result.rating))
            for rec in result.against:
                cards.append(self._against_card(maker, advice, rec, ref, label, notes))
            for rec in advice.recommendations:
                if rec.id in match.inform and rec not in result.against:
                    cards.append(self._inform_card(maker, advice, rec, ref, notes))
        return Outcome(cards, actions)

    def _order_mapping(self, hook: str, order: Any) -> OrderMapping | None:
        for mapping, matcher in self.orders:
            if hook in mapping.hooks and matcher.concept(order.code):
                return mapping
        return None

    def _rating_action(self, raw: dict[str, Any], rating: str) -> Action:
        resource = {**raw}
        keep = [
            e
            for e in resource.get("extension") or []
            if not str(e.get("url", "")).startswith(
                "http://fhir.org/argonaut/Extension/pama-rating"
            )
        ]
        keep.append(
            {
                "url": PAMA_RATING,
                "valueCodeableConcept": {"coding": [{"system": PAMA_SYSTEM, "code": rating}]},
            }
        )
        keep.append({"url": PAMA_CONSULT_ID, "valueUri": f"urn:uuid:{uuid.uuid4()}"})
        if self.settings.pama_qcdsm_id:
            keep.append({"url": PAMA_QCDSM, "valueString": self.settings.pama_qcdsm_id})
        keep.append(
            {
                "url": PAMA_AUC,
                "valueUri": self.settings.public_base_url.rstrip("/") + "/cds-services",
            }
        )
        resource["extension"] = keep
        return Action(
            type="update",
            description=f"{self.maker().t('order.rating')}: {rating}",
            resource=resource,
        )

    def _against_card(
        self,
        maker: CardMaker,
        advice: Advice,
        rec: Any,
        ref: str | None,
        label: str,
        notes: list[Note],
    ) -> Card:
        detail = self._rule_detail(maker, advice, rec)
        extra: dict[str, Any] = {}
        if ref:  # deleting needs a reference (CDS Hooks 2.0 Action.resourceId, a string)
            suggestion = Suggestion(
                label=maker.t("order.against.suggestion", order=label),
                uuid=str(uuid.uuid4()),
                isRecommended=True,
                actions=[
                    Action(
                        type="delete",
                        description=maker.t("order.against.suggestion", order=label),
                        resourceId=ref,
                    )
                ],
            )
            extra = {"suggestions": [suggestion], "selectionBehavior": "at-most-one"}
        return maker.card(
            advice,
            indicator="warning",
            summary=rec.text,
            detail=detail,
            overrideReasons=maker.override_reasons(),
            extension=maker.extension(advice, notes, order=ref, rule=rec.id),
            **extra,
        )

    def _provisional_card(
        self,
        maker: CardMaker,
        advice: Advice,
        rec: Any,
        ref: str | None,
        assumed: str | None,
        notes: list[Note],
    ) -> Card:
        """A recommendation against the order that applies unless an unanswered exception holds:
        the advice, the exception, the questions to check, and the rating that assumption gives.
        No rating is sent on the order (systemActions), as the PAMA guide asks when undecided."""
        checks = "\n".join(f"- {o.question}" for o in rec.unless_open)
        detail = "\n\n".join(
            p
            for p in (
                self._rule_detail(maker, advice, rec),
                f"**{maker.t('order.provisional.check')}**\n{checks}" if checks else "",
                maker.t("order.provisional.rating", rating=assumed or "-"),
                maker.not_used(advice, notes),
            )
            if p
        )
        summary = f"{rec.text.rstrip('.')} — {rec.unless}" if rec.unless else rec.text
        ext = maker.extension(advice, notes, order=ref, rule=rec.id)
        ext[f"{EXT}.status"] = "provisional"
        if assumed:
            ext[f"{EXT}.assumed-rating"] = assumed
        return maker.card(
            advice,
            indicator="warning",
            summary=summary,
            detail=detail,
            overrideReasons=maker.override_reasons(),
            extension=ext,
        )

    def _inform_card(
        self, maker: CardMaker, advice: Advice, rec: Any, ref: str | None, notes: list[Note]
    ) -> Card:
        return maker.card(
            advice,
            indicator="info",
            summary=rec.text,
            detail=self._rule_detail(maker, advice, rec),
            extension=maker.extension(advice, notes, order=ref, rule=rec.id),
        )

    @staticmethod
    def _rule_detail(maker: CardMaker, advice: Advice, rec: Any) -> str:
        return "\n\n".join(
            p
            for p in (
                rec.text,
                f"**{maker.t('order.why')}:** {rec.why}",
                f"**{maker.t('order.applies_because')}:** {rec.applies_because}",
                f"**{rec.unless[:1].upper()}{rec.unless[1:]}.**" if rec.unless else "",
                maker.cited(advice, rec.sources),
            )
            if p
        )

    def _undetermined_card(
        self,
        maker: CardMaker,
        advice: Advice,
        rules: list[str],
        ref: str | None,
        label: str,
        notes: list[Note],
    ) -> Card:
        questions = [n.question for n in advice.needs if set(n.affects) & set(rules)]
        detail = (
            maker.t("order.undetermined.detail") + "\n" + "\n".join(f"- {q}" for q in questions)
        )
        return maker.card(
            advice,
            indicator="info",
            summary=maker.t("order.undetermined.summary", order=label),
            detail=detail,
            links=[
                {
                    "label": maker.t("decision_aid.link"),
                    "url": maker.url(
                        self.settings.decision_aid_url, advice.condition, advice.profile
                    ),
                    "type": "absolute",
                }
            ],
            extension=maker.extension(advice, notes, order=ref, rules=rules),
        )


def _with_sources(advice: Advice, pack: Any) -> Advice:
    """The advice's source list extended with the pack's sources, for citing alarm signs that did
    not fire."""
    from keuzewijs.engine.contract import SourceInfo

    known = {s.id for s in advice.sources}
    extra = [
        SourceInfo(
            id=s.id, citation=s.citation, url=s.url, kind=s.kind.value, verification=s.verification
        )
        for s in pack.sources_file.sources
        if s.id not in known
    ]
    return advice.model_copy(update={"sources": [*advice.sources, *extra]})
