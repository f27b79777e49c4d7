"""A bounded cache of advice by (condition, language, profile as sent), holding JSON bytes.

advise() is a pure function of the knowledge version and its inputs, and the knowledge is
loaded once per process, so a result can be reused. The decision aid asks for the same
advice at every step of one consultation (weights, per 100/1000, save, clinician view), and
clients of the JSON API (`POST /api/v1/conditions/{id}/advice`, decisions) repeat calls for the
same profile. The CDS Hooks service does not use it: it advises from a record per request.
Errors are never cached.

The cache holds serialised bytes: a cache of Advice objects (thousands of small Python objects
each) makes every full garbage collection walk them, which cut the throughput of cache misses
(figures in benchmarks/README.md). Bytes are not tracked by the collector. Beside them, the few
most recently used Advice objects that pages asked for are kept (`RECENT`), so the pages of one
consultation that show the same advice again get the object, not a fresh validation of its bytes
on every page hit; an API answer (bytes) keeps none.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from keuzewijs.engine import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs import Library

CACHE_SIZE = 1024  # about 15 kB per entry: at most ~15 MB
RECENT = 32  # Advice objects kept beside the bytes (frozen: shared between requests)

CacheKey = tuple[str, str, str]


class AdviceCache:
    def __init__(self, library: Library, size: int = CACHE_SIZE) -> None:
        self.library = library
        self.size = size
        self._entries: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._objects: OrderedDict[CacheKey, Advice] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _compute(self, condition_id: str, profile: Any, lang: str) -> tuple[Advice, bytes]:
        result = advise_pack(self.library, self.library.pack(condition_id), profile, lang)
        return result, result.model_dump_json().encode()

    def _key(self, condition_id: str, profile: Any, lang: str) -> CacheKey | None:
        try:
            return (condition_id, lang, json.dumps(profile, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError):  # not plain JSON: let the engine report it, uncached
            return None

    def _lookup(
        self, condition_id: str, profile: Any, lang: str, *, keep_object: bool = True
    ) -> tuple[CacheKey | None, Advice | None, bytes]:
        key = self._key(condition_id, profile, lang)
        if key is None:
            return (None, *self._compute(condition_id, profile, lang))
        with self._lock:
            payload = self._entries.get(key)
            if payload is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return key, self._objects.get(key), payload
        result, payload = self._compute(condition_id, profile, lang)
        with self._lock:
            self.misses += 1
            self._entries[key] = payload
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            if keep_object:
                self._remember(key, result)
        return key, result, payload

    def _remember(self, key: CacheKey, result: Advice) -> None:
        """Keep `result` among the recent objects (the caller holds the lock)."""
        self._objects[key] = result
        self._objects.move_to_end(key)
        while len(self._objects) > RECENT:
            self._objects.popitem(last=False)

    def get(self, condition_id: str, profile: Any, lang: str) -> bytes:
        """The Advice as JSON bytes (the API answer). The object is not kept among the recent
        ones: an API caller wants the bytes, and an object kept alive for the next 32 misses
        survives into the collector's older generations, which full collections then walk."""
        return self._lookup(condition_id, profile, lang, keep_object=False)[2]

    def advice(self, condition_id: str, profile: Any, lang: str) -> Advice:
        """The Advice object: a recent one as it is, else validated once from its bytes."""
        key, result, payload = self._lookup(condition_id, profile, lang)
        if result is not None:
            with self._lock:
                if key is not None and key in self._objects:
                    self._objects.move_to_end(key)
            return result
        result = Advice.model_validate_json(payload)
        if key is not None:
            with self._lock:
                self._remember(key, result)
        return result

    def __len__(self) -> int:
        return len(self._entries)
