"""Every numeric profile field needs a plausible `maximum` (issue 22 item 8).

Without one, `egfr: 1e308` or `admission_calendar_day: 10**29` passed the profile schema and
reached the rules. The maximum bounds what a patient, a clinician or an EHR may enter (values
outside it are refused, and the CDS record reader drops them as implausible), so it should
admit every real value and nothing absurd. `keuzewijs validate` reports a field without one.
"""

from __future__ import annotations

from collections.abc import Iterator

from keuzewijs.packs import Pack, Problem
from keuzewijs.packs.models import FieldType

NUMERIC = (FieldType.integer, FieldType.number, FieldType.duration)


def unbounded_numbers(pack: Pack) -> Iterator[Problem]:
    for i, field in enumerate(pack.profile.fields):
        if field.type in NUMERIC and field.maximum is None:
            yield Problem(
                f"profile.yaml: fields[{i}] ({field.name})",
                f"a {field.type} field needs a plausible `maximum` (any value up to 1e308 "
                "passes otherwise)",
            )
