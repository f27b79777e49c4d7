"""What each hook does with the patient's record: find the packs it concerns, ask the engine, make
cards."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.compiled import compiled
from keuzewijs.engine.contract import Advice
from keuzewijs.rules.evaluate import Evaluation

from .cards import CardMaker
from .config import CdsData, OrderMapping
from .hooks import Action, Card, Suggestion
from .mapping import ProfileBuilder, code_set, codings, has_diagnosis
from .rating import PAMA_AUC, PAMA_CONSULT_ID, PAMA_QCDSM, PAMA_RATING, PAMA_SYSTEM, rate
from .record import Record, parse_resource
from .settings import CdsSettings


@dataclass
class Outcome:
    cards: list[Card]
    system_actions: list[Action]


class HookLogic:
    def __init__(self, data: CdsData, settings: CdsSettings):
        self.data, self.settings = data, settings
        self.library = data.library
        self.mapping = data.mapping
        self.builders = {
            cid: ProfileBuilder(self.mapping, self.library.packs[cid], cmap)
            for cid, cmap in self.mapping.conditions.items()
            if cid in self.library.packs
        }
        self.orders = [(o, code_set(self.mapping, o.codes)) for o in data.cds.orders]

    def maker(self) -> CardMaker:
        return CardMaker(self.data.cds, self.settings, self.settings.lang)

    def _advice(self, cond_id: str, record: Record, now: dt.datetime) -> Advice:
        pack = self.library.packs[cond_id]
        profile = self.builders[cond_id].build(record, now)
        return advise_pack(self.library, pack, profile, self.settings.lang)

    def _conditions(self, record: Record) -> list[str]:
        return [
            cid
            for cid in self.builders
            if has_diagnosis(record, self.mapping, self.mapping.conditions[cid])
        ]

    # ------------------------------------------------------------ patient-view
    def patient_view(self, record: Record, now: dt.datetime) -> Outcome:
        maker, cards = self.maker(), []
        for cond_id in self._conditions(record):
            advice = self._advice(cond_id, record, now)
            cards += maker.urgent_cards(advice)
            cards.append(maker.decision_aid_card(advice))
        return Outcome(cards, [])

    # ------------------------------------------------------------ encounter-discharge
    def discharge(self, record: Record, now: dt.datetime) -> Outcome:
        maker, cards = self.maker(), []
        present = set(self._conditions(record))
        for rule in self.data.cds.discharge:
            if rule.condition not in present:
                continue
            pack = self.library.packs[rule.condition]
            advice = self._advice(rule.condition, record, now)
            applies = compiled(self.library, pack).evaluator.evaluate(
                rule.when, advice.profile, Evaluation()
            )
            cards += maker.urgent_cards(advice)
            if applies is not True:  # unknown (e.g. operation not in the record) gives no card
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
                    extension={"keuzewijs-knowledge-version": advice.knowledge_version},
                )
            )
        return Outcome(cards, [])

    # ------------------------------------------------------------ order-select / order-sign
    def orders_hook(
        self, hook: str, context: dict[str, Any], record: Record, now: dt.datetime
    ) -> Outcome:
        bundle = parse_resource(context["draftOrders"], "context.draftOrders")
        selected = set(context.get("selections") or []) if hook == "order-select" else None
        maker, cards, actions = self.maker(), [], []
        advice_cache: dict[str, Advice] = {}
        for i, entry in enumerate(bundle.entry or []):
            order = entry.resource
            if order is None or order.get_resource_type() != "ServiceRequest":
                continue
            ref = f"ServiceRequest/{order.id}"
            if selected is not None and ref not in selected:
                continue
            match = self._order_mapping(hook, order)
            if match is None:
                continue
            raw = context["draftOrders"]["entry"][i]["resource"]
            cmap = self.mapping.conditions[match.condition]
            if not has_diagnosis(record, self.mapping, cmap, extra=order.reasonCode or []):
                actions.append(self._rating_action(raw, "no-criteria-apply"))
                continue
            advice = advice_cache.get(match.condition) or self._advice(match.condition, record, now)
            advice_cache[match.condition] = advice
            pack = self.library.packs[match.condition]
            result = rate(pack, advice, match.action)
            label = (order.code.text if order.code and order.code.text else None) or ref
            if result.rating is None:
                cards.append(self._undetermined_card(maker, advice, result.undecided, ref, label))
                continue
            actions.append(self._rating_action(raw, result.rating))
            for rec in result.against:
                cards.append(self._against_card(maker, advice, rec, ref, label))
            for rec in advice.recommendations:
                if rec.id in match.inform and rec not in result.against:
                    cards.append(self._inform_card(maker, advice, rec, ref))
        return Outcome(cards, actions)

    def _order_mapping(self, hook: str, order: Any) -> OrderMapping | None:
        coded = codings(order.code)
        for mapping, codes in self.orders:
            if hook in mapping.hooks and coded & codes:
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
        self, maker: CardMaker, advice: Advice, rec: Any, ref: str, label: str
    ) -> Card:
        detail = self._rule_detail(maker, advice, rec)
        suggestion = Suggestion(
            label=maker.t("order.against.suggestion", order=label),
            uuid=str(uuid.uuid4()),
            isRecommended=True,
            actions=[
                Action(
                    type="delete",
                    description=maker.t("order.against.suggestion", order=label),
                    resourceId=[ref],
                )
            ],
        )
        return maker.card(
            advice,
            indicator="warning",
            summary=rec.text,
            detail=detail,
            suggestions=[suggestion],
            selectionBehavior="at-most-one",
            overrideReasons=maker.override_reasons(),
            extension={
                "keuzewijs-order": ref,
                "keuzewijs-rule": rec.id,
                "keuzewijs-knowledge-version": advice.knowledge_version,
            },
        )

    def _inform_card(self, maker: CardMaker, advice: Advice, rec: Any, ref: str) -> Card:
        return maker.card(
            advice,
            indicator="info",
            summary=rec.text,
            detail=self._rule_detail(maker, advice, rec),
            extension={
                "keuzewijs-order": ref,
                "keuzewijs-rule": rec.id,
                "keuzewijs-knowledge-version": advice.knowledge_version,
            },
        )

    @staticmethod
    def _rule_detail(maker: CardMaker, advice: Advice, rec: Any) -> str:
        return "\n\n".join(
            p
            for p in (
                rec.text,
                f"**{maker.t('order.why')}:** {rec.why}",
                f"**{maker.t('order.applies_because')}:** {rec.applies_because}",
                maker.cited(advice, rec.sources),
            )
            if p
        )

    def _undetermined_card(
        self, maker: CardMaker, advice: Advice, rules: list[str], ref: str, label: str
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
            extension={
                "keuzewijs-order": ref,
                "keuzewijs-rules": rules,
                "keuzewijs-knowledge-version": advice.knowledge_version,
            },
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
