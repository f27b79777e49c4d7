"""Icon arrays: N people (100 or 1000), the affected ones drawn filled, the rest as rings.

Drawn as server-side SVG with two patterns, so a 1000-person array is three rectangles, not
1000 shapes (small pages, fast PDFs). Same denominator for every option on a page; the time
frame is printed with each outcome. Filled vs ring differs in shape, not only colour.
"""

from __future__ import annotations

from dataclasses import dataclass

DENOMINATORS = (100, 1000)
_GRID = {100: (10, 10, 14), 1000: (40, 25, 7)}  # columns, rows, cell size in px


@dataclass(frozen=True)
class IconArray:
    key: str
    per: int
    affected: int
    risk_per_1000: int
    ci_per_1000: tuple[int, int] | None
    cols: int
    rows: int
    cell: int

    @property
    def width(self) -> int:
        return self.cols * self.cell

    @property
    def height(self) -> int:
        return self.rows * self.cell

    @property
    def full_rows(self) -> int:
        return self.affected // self.cols

    @property
    def remainder(self) -> int:
        return self.affected % self.cols

    @property
    def radius(self) -> float:
        return self.cell * 0.36


def scaled(risk_per_1000: int, per: int) -> int:
    """People out of `per`: round half up, so 5 per 1000 shows as 1 per 100 rather than 0."""
    return int(risk_per_1000 * per / 1000 + 0.5)


def icon_array(key: str, risk_per_1000: int, ci: tuple[int, int] | None, per: int) -> IconArray:
    cols, rows, cell = _GRID[per]
    return IconArray(key, per, scaled(risk_per_1000, per), risk_per_1000, ci, cols, rows, cell)


def parse_per(value: str | None) -> int:
    try:
        per = int(value or 0)
    except ValueError:
        return DENOMINATORS[0]
    return per if per in DENOMINATORS else DENOMINATORS[0]
