"""All codes of the concept sets, and ordinary background codes no concept set names, as
integers (for vectorised set tests) with their domain."""

from __future__ import annotations

import numpy as np

from ..mapping import Mapping

# Codes of the background events: ordinary care that no concept set names (checked at run time).
BACKGROUND = {
    "condition": ["I10", "E11.9", "J06.9", "K21.9", "M17.1", "F32.9", "J45.9", "N39.0"],
    "procedure": ["99213", "71045", "93000", "36415", "80053"],
    "observation": ["72166-2", "8302-2", "29463-7", "39156-5"],
}


class Codes:
    """All codes as integers (for vectorised set tests) with their domain."""

    def __init__(self, mapping: Mapping):
        self.values: list[str] = []
        self.domain: list[str] = []
        self._ids: dict[tuple[str, str], int] = {}
        for cs in mapping.concept_sets.values():
            for code in cs.codes:
                self._add(code.code, cs.domains[0])
        self.sets = {
            name: np.array(sorted({self._ids[(c.code, cs.domains[0])] for c in cs.codes}))
            for name, cs in mapping.concept_sets.items()
        }
        known = {c.code for cs in mapping.concept_sets.values() for c in cs.codes}
        self.background = {
            d: [self._add(c, d) for c in codes if c not in known] for d, codes in BACKGROUND.items()
        }

    def _add(self, code: str, domain: str) -> int:
        key = (code, domain)
        if key not in self._ids:
            self._ids[key] = len(self.values)
            self.values.append(code)
            self.domain.append(domain)
        return self._ids[key]
