"""The PDF handout: the same summary template, printed by WeasyPrint with the print stylesheet."""

from __future__ import annotations

import logging
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    # WeasyPrint and fontTools log font-subsetting chatter at INFO/WARNING; it is not ours to act
    # on.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    document = HTML(string=html, base_url=str(STATIC))
    # ignored below: WeasyPrint has no type information (read as Any)
    return document.write_pdf(stylesheets=[CSS(filename=str(STATIC / "print.css"))])  # type: ignore[no-any-return]
