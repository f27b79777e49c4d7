"""Red-flag wording against the urgency vocabulary (issue 18).

Each red flag declares an `urgency` level (call_112, call_now, call_today, next_weekday); the
words of each level are data in _common/ui.yaml (`urgency.<level>`). A flag's action text must
contain its own level's words, in every language, and none of a slower level's words: a flag
that needs 'call now' cannot say 'call today'. (That its level is fast enough for its severity
is checked by the RedFlag model itself.)"""

from __future__ import annotations

from collections.abc import Mapping

from .models import URGENCY_ORDER, Text
from .pack import Pack
from .problems import Problem

LANGS = ("nl", "en")


def check_urgency_words(pack: Pack, ui: Mapping[str, Text]) -> list[Problem]:
    problems: list[Problem] = []
    for i, flag in enumerate(pack.rules.red_flags):
        where = f"rules.yaml: red_flags[{i}] ({flag.id}).action"
        level = URGENCY_ORDER.index(flag.urgency)
        for lang in LANGS:
            action = flag.action.get(lang).casefold()
            if f"urgency.{flag.urgency}" not in ui:
                problems.append(Problem(where, f"_common/ui.yaml lacks 'urgency.{flag.urgency}'"))
                break
            words = ui[f"urgency.{flag.urgency}"].get(lang)
            if words.casefold() not in action:
                problems.append(
                    Problem(where, f"{lang} text lacks the words of '{flag.urgency}': '{words}'")
                )
            for slower in URGENCY_ORDER[level + 1 :]:
                other = ui[f"urgency.{slower}"].get(lang) if f"urgency.{slower}" in ui else ""
                if other and other.casefold() in action:
                    problems.append(
                        Problem(
                            where,
                            f"{lang} text says '{other}' ('{slower}'), slower than "
                            f"its urgency '{flag.urgency}'",
                        )
                    )
    return problems
