"""The text a reader sees on a page, from the HTML (stdlib parser): no <script>, <style> or
<head>, and optionally without the elements of some classes (e.g. citations, whose locators
and paper titles are the source's own words and language)."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
HIDDEN = {"script", "style", "head", "template"}


class _Visible(HTMLParser):
    def __init__(self, skip_classes: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_classes = skip_classes
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in HIDDEN or bool(classes & self.skip_classes)
        self.stack.append(skipped or (bool(self.stack) and self.stack[-1]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <x/>: no content

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str, skip_classes: frozenset[str] = frozenset()) -> str:
    """The page's visible text, whitespace collapsed; elements with a class in `skip_classes`
    are left out with everything inside them."""
    parser = _Visible(skip_classes)
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())
