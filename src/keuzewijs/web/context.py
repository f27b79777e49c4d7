"""What every request handler needs, built once per app: settings, knowledge, site, store, texts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Library, get_library, load_sites
from keuzewijs.packs.models import Site, Text, UiTexts
from keuzewijs.packs.phones import Phones, phones_now
from keuzewijs.settings import Settings, SettingsError
from keuzewijs.store.repository import DecisionStore
from keuzewijs.store.shared import SharedState

from .advice_cache import AdviceCache
from .security import RateLimiter


def load_web_texts(library: Library) -> dict[str, Text]:
    """ui.yaml (shared with the CLI) plus web.yaml (page wording); web.yaml may not redefine a
    key."""
    web = library.common("web.yaml", UiTexts).texts
    clash = sorted(set(web) & set(library.ui))
    if clash:
        raise KnowledgeError(
            f"keys already defined in ui.yaml: {', '.join(clash)}",
            path=str(library.root / "_common" / "web.yaml"),
        )
    return {**library.ui, **web}


def pick_site(library: Library, wanted: str | None, folder: Path | None = None) -> Site | None:
    """KEUZEWIJS_SITE names the site; unset with exactly one site file means that one."""
    sites = load_sites(library.root, folder)
    if wanted:
        if wanted not in sites:
            allowed = ", ".join(sorted(sites)) or "(no sites/*.yaml)"
            raise SettingsError(
                f"unknown site '{wanted}'; allowed: {allowed}", path="KEUZEWIJS_SITE"
            )
        return sites[wanted]
    return next(iter(sites.values())) if len(sites) == 1 else None


@dataclass
class WebContext:
    settings: Settings
    library: Library
    texts: dict[str, Text]
    site: Site | None
    store: DecisionStore
    limiter: RateLimiter
    advice: AdviceCache
    # Saves per client and minute (API and page), beside the store's daily quota.
    save_limiter: RateLimiter

    @classmethod
    def build(cls, settings: Settings, store: DecisionStore, shared: SharedState) -> WebContext:
        library = get_library(settings.knowledge)
        return cls(
            settings=settings,
            library=library,
            texts=load_web_texts(library),
            site=pick_site(library, settings.site, settings.sites),
            store=store,
            limiter=RateLimiter(settings.lookup_rate_per_minute, shared),
            advice=AdviceCache(library),
            save_limiter=RateLimiter(
                settings.save_rate_per_minute,
                shared,
                kind="save",
                message="too many decisions saved from this address; wait a minute",
            ),
        )

    def site_for(self, condition_id: str) -> Site | None:
        return self.site if self.site and condition_id in self.site.conditions else None

    def now(self) -> dt.datetime:
        """The time pages choose phone numbers by (fixed by KEUZEWIJS_CLOCK in tests)."""
        return self.settings.clock or dt.datetime.now(dt.UTC)

    def phones(self, condition_id: str) -> Phones:
        """The site's numbers for this condition, the one to call now first."""
        return phones_now(self.site, condition_id, self.now())


def ctx(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]  # Starlette's app.state holds Any
