"""Server-rendered pages, one module per step: start, the form, the advice, the clinician view,
about, stored decisions and the handout (PDF).

POST -> redirect -> GET everywhere: a form post is answered with 303 to a GET page whose URL
holds the state (`?profile=<token>` with the answers the patient gave, plus `w.<outcome>`,
`v.<statement>` and `per`), so Back and Reload never resubmit and the language switch is a plain
link to the same state in the other language. The token is the same one an EHR card uses to open
this patient's advice: findings only, never a name or identifier; the Referrer-Policy is
no-referrer and the access log records route templates, not URLs. Only saving writes anything.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import about, advice, clinician, decision, form, handout, start

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _step in (start, advice, form, clinician, about, decision, handout):
    router.include_router(_step.router)
