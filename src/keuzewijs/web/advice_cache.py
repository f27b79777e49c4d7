"""A bounded cache of advice by (condition, language, profile as sent), holding JSON bytes.

advise() is a pure function of the knowledge version and its inputs, and the knowledge is
loaded once per process, so a result can be reused. The decision aid asks for the same
advice at every step of one consultation (weights, per 100/1000, save, clinician view) and
the CDS/EHR side repeats calls for the same patient. Errors are never cached.

Only the serialised bytes are kept: a cache of Advice objects (thousands of small Python
objects each) makes every full garbage collection walk them, which cut the throughput of
cache misses (figures in benchmarks/README.md). Bytes are not tracked by the collector.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs.loader import Library

CACHE_SIZE = 1024  # about 15 kB per entry: at most ~15 MB


class AdviceCache:
    def __init__(self, library: Library, size: int = CACHE_SIZE) -> None:
        self.library = library
        self.size = size
        self._entries: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _compute(self, condition_id: str, profile: Any, lang: str) -> tuple[Advice, bytes]:
        result = advise_pack(self.library, self.library.pack(condition_id), profile, lang)
        return result, result.model_dump_json().encode()

    def _lookup(self, condition_id: str, profile: Any, lang: str) -> tuple[Advice | None, bytes]:
        try:
            key = (condition_id, lang, json.dumps(profile, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError):  # not plain JSON: let the engine report it, uncached
            return self._compute(condition_id, profile, lang)
        with self._lock:
            payload = self._entries.get(key)
            if payload is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return None, payload
        result, payload = self._compute(condition_id, profile, lang)
        with self._lock:
            self.misses += 1
            self._entries[key] = payload
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result, payload

    def get(self, condition_id: str, profile: Any, lang: str) -> bytes:
        """The Advice as JSON bytes (the API answer)."""
        return self._lookup(condition_id, profile, lang)[1]

    def advice(self, condition_id: str, profile: Any, lang: str) -> Advice:
        result, payload = self._lookup(condition_id, profile, lang)
        return result if result is not None else Advice.model_validate_json(payload)

    def __len__(self) -> int:
        return len(self._entries)
