"""A bounded cache of advice by (condition, language, profile as sent).

advise() is a pure function of the knowledge version and its inputs, and the knowledge is
loaded once per process, so a result can be reused. The decision aid asks for the same
advice at every step of one consultation (weights, per 100/1000, save, clinician view) and
the CDS/EHR side repeats calls for the same patient. Errors are never cached.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs.loader import Library

CACHE_SIZE = 1024  # about 15 kB per entry: at most ~15 MB


class AdviceCache:
    def __init__(self, library: Library, size: int = CACHE_SIZE) -> None:
        self.library = library
        self._cached = functools.lru_cache(maxsize=size)(self._compute)

    def _compute(self, condition_id: str, lang: str, profile_json: str) -> tuple[Advice, bytes]:
        result = advise_pack(self.library, self.library.pack(condition_id), json.loads(profile_json), lang)
        return result, result.model_dump_json().encode()

    def get(self, condition_id: str, profile: Any, lang: str) -> tuple[Advice, bytes]:
        try:
            key = json.dumps(profile, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):  # not plain JSON: let the engine report it, uncached
            result = advise_pack(self.library, self.library.pack(condition_id), profile, lang)
            return result, result.model_dump_json().encode()
        return self._cached(condition_id, lang, key)

    def advice(self, condition_id: str, profile: Any, lang: str) -> Advice:
        return self.get(condition_id, profile, lang)[0]

    def info(self) -> Any:
        return self._cached.cache_info()
