"""Clinician view: where a pack pools an estimate from study-level data, the forest plot of the
studies (matplotlib SVG, with its text alternative) is shown; without such data there is none."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from keuzewijs.web.app import create_app
from tests.engine.test_study_data import _pack
from tests.web.conftest import make_settings


def _client(tmp_path: Path) -> TestClient:
    root = _pack(tmp_path).parent
    settings = make_settings(f"sqlite:///{tmp_path / 'kw.db'}", knowledge=root)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _clinician_page(client: TestClient, lang: str) -> Any:
    """The fictional pack's clinician view in `lang`, for 10 days since the injury."""
    page = client.get(f"/{lang}/c/fictional-sprain")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post(
        f"/{lang}/c/fictional-sprain/clinician",
        data={"csrf": token, "p.days_since_injury": "10"},
    )


def test_clinician_view_shows_the_forest_plot_of_the_studies(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        r = _clinician_page(client, "en")
        assert r.status_code == 200
        src = re.search(
            r'<img src="(/en/c/fictional-sprain/forest/pain-brace-vs-rest\.svg)" alt="([^"]+)"',
            r.text,
        )
        assert src, "no forest plot image on the clinician page"
        alt = html.unescape(src.group(2))
        assert "13 studies" in alt and "Pooled risk ratio 0.49 (95% CI 0.34 to 0.70)" in alt
        assert "Computed by keuzewijs from 13 studies" in r.text
        svg = client.get(src.group(1))
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert "<title" in svg.text and "Aronson 1948" in svg.text
        assert client.get("/en/c/fictional-sprain/forest/no-such-estimate.svg").status_code == 404


def test_no_forest_plot_without_study_data(client) -> None:
    page = client.get("/en/c/achilles-tendon-rupture")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/en/c/achilles-tendon-rupture/clinician", data={"csrf": token, "p.age": "40"})
    assert r.status_code == 200 and "/forest/" not in r.text
    assert (
        client.get("/en/c/achilles-tendon-rupture/forest/rerupture-overall.svg").status_code == 404
    )


def test_the_dutch_forest_plot_is_in_dutch(tmp_path: Path) -> None:
    """Issue 19 item 6: on the Dutch clinician view the plot, its text alternative and caption
    use the UI texts (`forest.*`), with decimal commas; the title names the outcome, not an id."""
    with _client(tmp_path) as client:
        r = _clinician_page(client, "nl")
        src = re.search(
            r'<img src="(/nl/c/fictional-sprain/forest/pain-brace-vs-rest\.svg)" alt="([^"]+)"',
            r.text,
        )
        assert src
        alt = html.unescape(src.group(2))
        assert "Forest plot van 13 studies" in alt
        assert "Gepoold relatief risico 0,49 (95%-BI 0,34 tot 0,70)" in alt
        assert "Door keuzewijs berekend uit 13 studies: random-effectsmodel" in r.text
        svg = client.get(src.group(1)).text
        assert 'lang="nl"' in svg and "pain-brace-vs-rest" not in svg
        for english in ("Study", "Treatment", "Pooled", "Weight", "favours", "log scale", " to "):
            assert english not in svg, english
        for dutch in ("Studie", "Behandeling", "Gepoold", "Gewicht", "logaritmische schaal"):
            assert dutch in svg, dutch
