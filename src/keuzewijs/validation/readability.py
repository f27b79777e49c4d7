"""Readability gate of `keuzewijs validate`: plain language in every patient text.

Three checks, with the word lists kept as data in `knowledge/_common/readability.yaml`:
- no statistics or other jargon in patient texts (nl and en);
- no sentence longer than `max_sentence_words` (nl and en);
- no English words or internal ids in the Dutch text output of any vignette.
It also reports a Dutch readability score per pack: Flesch-Douma (Douma 1960),
    206.84 - 0.77 x (syllables per 100 words) - 0.93 x (words per sentence),
the Dutch adaptation of Flesch Reading Ease (60-70 is plain language; higher is easier).

Patient texts are what a patient reads: the pack's summary, description, decision, facts and
'afwegen' statements, the options (name, what happens, pros, cons, recovery, living with),
outcome names and descriptions, profile questions, labels and help, and recommendation and
red-flag texts.
Evidence texts (design, certainty notes, derivations) are the clinician layer and are not
checked for jargon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from keuzewijs.packs import Problem
from keuzewijs.packs.models import Strict, Text

if TYPE_CHECKING:
    from keuzewijs.packs import Library, Pack


class Jargon(Strict):
    nl: list[str]
    en: list[str]


class ReadabilityRules(Strict):
    max_sentence_words: int = Field(ge=5)
    jargon: Jargon
    english_in_nl: list[str]


def load_rules(library: Library) -> ReadabilityRules:
    """The word lists of this library's own `_common/readability.yaml` (no checkout fallback)."""
    return library.common("readability.yaml", ReadabilityRules)


# ---------------------------------------------------------------- texts
def patient_texts(pack: Pack) -> Iterator[tuple[str, Text]]:
    """Every patient-facing text of a pack, with a path that says where it lives."""
    meta = pack.meta
    yield "pack.yaml: summary", meta.summary
    yield "pack.yaml: description", meta.description.text
    yield "pack.yaml: decision", meta.decision.text
    for fact in meta.facts:
        yield f"pack.yaml: facts.{fact.id}", fact.text
    for st in meta.values_statements:
        yield f"pack.yaml: values_statements.{st.id}", st.text
    for option in pack.options_file.options:
        where = f"options.yaml: {option.id}"
        yield f"{where}.name", option.name
        yield f"{where}.what_happens", option.what_happens.text
        for i, pro in enumerate(option.pros):
            yield f"{where}.pros[{i}]", pro.text
        for i, con in enumerate(option.cons):
            yield f"{where}.cons[{i}]", con.text
        if option.recovery:
            yield f"{where}.recovery", option.recovery.text
        if option.living_with:
            yield f"{where}.living_with", option.living_with.text
    for outcome in pack.outcomes_file.outcomes:
        yield f"outcomes.yaml: {outcome.id}.name", outcome.name
        if outcome.description:
            yield f"outcomes.yaml: {outcome.id}.description", outcome.description
    for spec in pack.profile.fields:
        where = f"profile.yaml: {spec.name}"
        yield f"{where}.question", spec.question
        yield f"{where}.label", spec.label
        if spec.help:
            yield f"{where}.help", spec.help
        for value in spec.values or []:
            yield f"{where}.{value.id}.label", value.label
            if value.help:
                yield f"{where}.{value.id}.help", value.help
    for flag in pack.rules.red_flags:
        yield f"rules.yaml: {flag.id}.message", flag.message
        yield f"rules.yaml: {flag.id}.action", flag.action
    for rec in pack.rules.recommendations:
        yield f"rules.yaml: {rec.id}.text", rec.text
        yield f"rules.yaml: {rec.id}.why", rec.why


# ---------------------------------------------------------------- sentences, words, syllables
_ABBREVIATIONS = re.compile(r"\b(bijv|bv|o\.a|e\.g|i\.e|etc|ca|nr|p|vs|dr|mr)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÀÉÈËÏÖÜ'\"(\u2018\u201c])")
_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*%?|[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*", re.UNICODE)
# Dutch vowel groups: a diphthong or long vowel written with two or three letters is one
# syllable ('ieu', 'oei', 'aai', 'ij', 'ui' ...); a diaeresis starts a new syllable.
_NL_VOWELS = re.compile(
    r"(?:aai|ooi|oei|eeu|ieu|uw|aa|ee|oo|uu|ie|oe|ou|au|ei|ij|ui|eu|[aeiouyàáâèéêìíîòóôùúû]|[ëïöüä])",
    re.IGNORECASE,
)
# 2.8 is a decimal point (Dutch writes 2,8); 15.862 and 100.000 are Dutch thousands separators
_DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d{1,2}(?![\d])")


def sentences(text: str) -> list[str]:
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", "\u2024"), text)
    return [s.replace("\u2024", ".").strip() for s in _SENTENCE_END.split(protected) if s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def syllables_nl(word: str) -> int:
    if word[0].isdigit():
        return max(1, len(word) // 2)  # a number is read aloud; a rough count is enough
    return max(1, len(_NL_VOWELS.findall(word)))


def flesch_douma(texts: list[str]) -> float | None:
    """Flesch-Douma reading ease of Dutch texts taken together (None when there are no words)."""
    n_sentences = n_words = n_syllables = 0
    for text in texts:
        for sentence in sentences(text):
            ws = words(sentence)
            if not ws:
                continue
            n_sentences += 1
            n_words += len(ws)
            n_syllables += sum(syllables_nl(w) for w in ws)
    if not n_words:
        return None
    return 206.84 - 0.77 * (100 * n_syllables / n_words) - 0.93 * (n_words / n_sentences)


def _term_pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    # whole words only; case-sensitive for short upper-case abbreviations (RR, BI, WEL) so that
    # the Dutch 'of' (or) and 'wel' are not taken for OR and WEL
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


def _matcher(terms: list[str]) -> re.Pattern[str]:
    upper = [t for t in terms if t.isupper()]
    other = [t for t in terms if not t.isupper()]
    parts = []
    if upper:
        parts.append(_term_pattern(upper).pattern)
    if other:
        parts.append("(?i:" + _term_pattern(other).pattern + ")")
    return re.compile("|".join(parts) if parts else r"(?!x)x")


@dataclass(frozen=True)
class PackReadability:
    problems: list[Problem]
    flesch_douma: float | None
    sentences_checked: int


def check_pack(pack: Pack, rules: ReadabilityRules) -> PackReadability:
    problems: list[Problem] = []
    jargon = {"nl": _matcher(rules.jargon.nl), "en": _matcher(rules.jargon.en)}
    dutch: list[str] = []
    count = 0
    for where, text in patient_texts(pack):
        for lang in ("nl", "en"):
            value = text.get(lang)
            if lang == "nl":
                dutch.append(value)
            hits = sorted({m.group(0) for m in jargon[lang].finditer(value)})
            if hits:
                problems.append(Problem(f"{where} ({lang})", f"jargon in patient text: {hits}"))
            points = _DECIMAL_POINT.findall(value) if lang == "nl" else []
            if points:
                problems.append(
                    Problem(f"{where} (nl)", f"decimal point in Dutch (write a comma): {points}")
                )
            for sentence in sentences(value):
                count += 1
                n = len(words(sentence))
                if n > rules.max_sentence_words:
                    problems.append(
                        Problem(
                            f"{where} ({lang})",
                            f"sentence of {n} words (at most {rules.max_sentence_words}): "
                            f"'{sentence[:60]}…'",
                        )
                    )
    return PackReadability(problems, flesch_douma(dutch), count)


def internal_ids(pack: Pack) -> set[str]:
    """Ids a patient should never see: options, outcomes, fields, values, rules, estimates,
    sources and the decision."""
    ids = {o.id for o in pack.options_file.options}
    ids |= {o.id for o in pack.outcomes_file.outcomes}
    ids |= {e.id for e in pack.evidence.estimates}
    ids |= {f.id for f in pack.rules.red_flags}
    ids |= {r.id for r in pack.rules.recommendations}
    if pack.rules.decision is not None:
        ids.add(pack.rules.decision.id)
    for spec in pack.profile.fields:
        ids.add(spec.name)
        ids |= set(spec.value_ids())
    ids |= {s.id for s in pack.sources_file.sources}
    # an id that is also an ordinary Dutch word ('none' is not, 'mild' is) is not flagged
    return {i for i in ids if i not in _DUTCH_WORDS}


_DUTCH_WORDS = {"mild"}  # ids that are also ordinary Dutch words


def check_dutch_output(text: str, pack: Pack, rules: ReadabilityRules) -> list[str]:
    """English words, internal ids and jargon found in the Dutch text output of a vignette."""
    found: set[str] = set()
    english = _matcher(rules.english_in_nl)
    found |= {f"English '{m.group(0)}'" for m in english.finditer(text)}
    found |= {f"jargon '{m.group(0)}'" for m in _matcher(rules.jargon.nl).finditer(text)}
    ids = _term_pattern(sorted(internal_ids(pack)))
    found |= {f"id '{m.group(0)}'" for m in ids.finditer(text)}
    return sorted(found)


# ---------------------------------------------------------------- vignette output
def dutch_text_output(advice: object, ui: dict[str, Text]) -> str:
    """The `advise --lang nl --format text` output of an advice, without its bibliography
    (citations keep the language of the work they cite)."""
    from io import StringIO

    from rich.console import Console

    from keuzewijs.present.text import print_advice

    buffer = StringIO()
    # no colours, so no highlighting: it would style numbers nobody sees (2 of 9 s of validate)
    console = Console(file=buffer, width=200, color_system=None, soft_wrap=True, highlight=False)
    # ignored below: present takes the Console protocol rich's class fits
    print_advice(advice, ui, console)  # type: ignore[arg-type]
    text = buffer.getvalue()
    heading = ui["heading.sources"].get("nl")
    body, mark, _ = text.rpartition(f"\n{heading}\n")
    return body if mark else text
