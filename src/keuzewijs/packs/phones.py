"""Which of a site's phone numbers to show for a condition, and which one to call now.

A daughter on a phone on a weekday afternoon needs the ward, at night the out-of-hours service:
the site's data says which number is answered when (site time zone, Europe/Amsterdam by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .models import Hours, Phone, Site

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The department's own numbers come first while they are answered; then the general services.
CALL_ORDER = (
    "ward",
    "care_team",
    "outpatient_clinic",
    "gp_out_of_hours",
    "emergency_department",
    "switchboard",
)
# What a site serving a condition should have a number (or whom to ask) for.
NEEDED_KINDS = (("ward", "care_team", "outpatient_clinic"), ("gp_out_of_hours",), ("emergency",))


@dataclass(frozen=True)
class Phones:
    """The numbers for one condition at one moment."""

    call_now: Phone | None  # the number to call now for a question or an alarm sign
    emergency: list[Phone]  # life in danger: always shown
    other: list[Phone]  # answered now, after the first
    closed: list[Phone]  # the condition's numbers not answered now (shown with their hours)
    ask: list[Phone]  # numbers the site does not have: whom to ask instead

    @property
    def shown(self) -> list[Phone]:
        """Every number in the order a page lists them (the handout prints these)."""
        first = [self.call_now] if self.call_now else []
        return [*first, *self.other, *self.emergency, *self.closed]


def for_condition(site: Site | None, condition: str) -> list[Phone]:
    """The site's numbers for this condition: its department's and the general ones. None when
    the site does not serve the condition (a hip-fracture site's numbers are not an Achilles
    patient's)."""
    if site is None or condition not in site.conditions:
        return []
    return [p for p in site.phones if not p.conditions or condition in p.conditions]


def answered(hours: list[Hours], local: dt.datetime) -> bool:
    if not hours:
        return True
    day, clock = WEEKDAYS[local.weekday()], local.strftime("%H:%M")
    return any(day in h.days and h.start <= clock < h.end for h in hours)


def phones_now(site: Site | None, condition: str, now: dt.datetime) -> Phones:
    """Split the condition's numbers by whether they are answered at `now` (any time zone; it is
    read in the site's)."""
    phones = for_condition(site, condition)
    if site is None or not phones:
        return Phones(None, [], [], [], [])
    local = now.astimezone(ZoneInfo(site.time_zone))
    with_number = [p for p in phones if p.number]
    emergency = [p for p in with_number if p.kind == "emergency"]
    open_now = [p for p in with_number if p.kind != "emergency" and answered(p.hours, local)]
    open_now.sort(key=lambda p: CALL_ORDER.index(p.kind))
    closed = [p for p in with_number if p.kind != "emergency" and p not in open_now]
    return Phones(
        call_now=open_now[0] if open_now else None,
        emergency=emergency,
        other=open_now[1:],
        closed=closed,
        ask=[p for p in phones if not p.number],
    )


def missing(site: Site) -> list[str]:
    """What `validate` reports: per condition the site serves, each kind of number it has neither
    a number nor a 'whom to ask' for."""
    found: list[str] = []
    for condition in site.conditions:
        kinds = {p.kind for p in for_condition(site, condition)}
        found.extend(
            f"{condition}: no {' or '.join(group)} number"
            for group in NEEDED_KINDS
            if not kinds & set(group)
        )
    return found


def unanswered(site: Site) -> list[str]:
    """Numbers listed without a number (the site says whom to ask): reported, and fatal under
    `validate --strict`, because a deployment should have them."""
    return [
        f"{', '.join(p.conditions) or 'all conditions'}: {p.kind} has no number (asks instead)"
        for p in site.phones
        if not p.number
    ]
