"""Prefetch: the data a service declared, from the request or fetched from the EHR's FHIR server.

A key the EHR left out is fetched from `fhirServer` with `fhirAuthorization` (never without it, as
CDS Hooks 2.0 requires; a context patient that server does not know is a 412), within one
bounded deadline, only when that server is on the allowlist of the EHR that called (per JWT
issuer), and no answer may exceed a byte cap. When the data cannot be had (no server, a server not
allowed, an error, a timeout, an answer too large) the hook answers 412 as the spec says; the
service never guesses a card on partial data.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from keuzewijs.errors import InputFormatError
from keuzewijs.limits import CDS as CDS_LIMITS

from .problems import HookProblem
from .shapes import HookRequest

_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")
_PATIENT_READ = re.compile(r"Patient/[^/?]+")


def render_template(template: str, context: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        got = context.get(match.group(1))
        if not isinstance(got, str):
            raise HookProblem(
                400,
                "needed by a prefetch template, must be a string",
                path=f"context.{match.group(1)}",
            )
        return quote(got, safe="")

    return _TOKEN.sub(value, template)


_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = re.compile(r"%(2[dDeE]|5[fF]|7[eE]|[46][1-9a-fA-F]|[57][0-9aA]|3[0-9])")
_ENCODED = re.compile(r"%[0-9a-fA-F]{2}")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: `/a/b/../c/./d` -> `/a/c/d`; never climbs above the root."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif seg == ".":
            if last:
                out.append("")
        else:
            out.append(seg)
    joined = "/".join(out)
    return joined if joined.startswith("/") else "/" + joined


def normalise_url(url: str) -> str | None:
    """The canonical form of a FHIR base URL, or None when it cannot be one.

    What a server would resolve to, so the allowlist compares what is really fetched: scheme
    and host lower-case, the default port dropped, percent-encoded unreserved characters
    decoded (`%2e` is a dot), then dot segments removed (`/fhir/../other` is `/other`).
    Refused: user info (`http://allowed@other/`), a query or fragment, an encoded slash or a
    backslash (servers disagree on whether they separate segments), a bad port."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return None
    decoded = _UNRESERVED.sub(lambda m: chr(int(m.group(1), 16)), parts.path)
    decoded = _ENCODED.sub(lambda m: m.group(0).upper(), decoded)
    if "\\" in decoded or "%2F" in decoded or "%5C" in decoded:
        return None
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{netloc}{_remove_dot_segments(decoded)}"


def allowed_server(url: str, allowlist: list[str]) -> bool:
    """`url` is one of the allowed FHIR base URLs or below one (same scheme, host and port; the
    path continues at a segment boundary), both compared in their normalised form."""
    got = normalise_url(url)
    if got is None:
        return False
    for base in allowlist:
        want = normalise_url(base)
        if want is None:
            continue
        prefix = want.rstrip("/")
        if got.rstrip("/") == prefix or got.startswith(prefix + "/"):
            return True
    return False


class Fetcher:
    """Reads missing prefetch from the EHR's FHIR server (httpx, one deadline for all keys)."""

    def __init__(
        self,
        timeout: float,
        max_pages: int,
        transport: httpx.AsyncBaseTransport | None = None,
        max_bytes: int = 5_000_000,
    ):
        self.timeout, self.max_pages, self.transport = timeout, max_pages, transport
        self.max_bytes = max_bytes
        self.limits = dataclasses.replace(CDS_LIMITS, max_bytes=max_bytes)

    async def resolve(
        self, templates: dict[str, str], request: HookRequest, allowlist: list[str] | None = None
    ) -> dict[str, Any]:
        given = request.prefetch or {}
        out = {key: given[key] for key in templates if key in given}
        missing = {
            key: render_template(t, request.context)
            for key, t in templates.items()
            if key not in given
        }
        if not missing:
            return out
        if not request.fhirServer:
            first = sorted(missing)[0]
            raise HookProblem(
                412,
                "prefetch is missing and the request has no fhirServer to fetch it from",
                path=f"prefetch.{first}",
            )
        if request.fhirAuthorization is None:
            # CDS Hooks 2.0: the client grants access to its FHIR server through
            # fhirAuthorization; a bare fhirServer is no permission to read it.
            raise HookProblem(
                412,
                "prefetch is missing and the request gives no fhirAuthorization to read "
                "fhirServer with",
                path="fhirAuthorization",
            )
        if not allowed_server(request.fhirServer, allowlist or []):
            raise HookProblem(
                412,
                "prefetch is missing and this fhirServer is not on the allowlist for this EHR",
                path="fhirServer",
            )
        headers = {
            "Accept": "application/fhir+json",
            "Authorization": f"Bearer {request.fhirAuthorization.access_token}",
        }
        base = (normalise_url(request.fhirServer) or "").rstrip("/") + "/"  # allowed: not None
        async with httpx.AsyncClient(
            timeout=self.timeout, headers=headers, transport=self.transport
        ) as client:
            try:
                results = await asyncio.wait_for(
                    asyncio.gather(
                        *(self._get(client, base + query, base) for query in missing.values())
                    ),
                    timeout=self.timeout,
                )
            except TimeoutError:
                raise HookProblem(
                    412,
                    f"the FHIR server did not answer within {self.timeout:g} s",
                    path="fhirServer",
                ) from None
        out.update(zip(missing, results, strict=True))
        for key, query in missing.items():
            if _PATIENT_READ.fullmatch(query) and out[key] is None:
                # the hook is about a patient the EHR's own server does not know: no card can
                # be right, and silence would look like 'nothing to say'
                raise HookProblem(
                    412, "the FHIR server does not know this patient", path="context.patientId"
                )
        return out

    async def _get(self, client: httpx.AsyncClient, url: str, base: str) -> Any:
        body = await self._json(client, url)
        if body is None or body.get("resourceType") != "Bundle":
            return body
        # Follow a search's `next` links, a bounded number of pages.
        pages, entries = 1, list(body.get("entry") or [])
        while pages < self.max_pages and (nxt := _next_link(body)):
            nxt = normalise_url(nxt) or ""  # `base/../other` is not below base
            if not nxt.startswith(base):  # never send the EHR's token to another host
                raise HookProblem(
                    412, "a search page link points outside fhirServer", path="fhirServer"
                )
            body = await self._json(client, nxt)
            if body is None:
                break
            entries.extend(body.get("entry") or [])
            pages += 1
        if _next_link(body or {}):
            raise HookProblem(
                412, f"the FHIR search has more than {self.max_pages} pages", path="fhirServer"
            )
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    async def _json(self, client: httpx.AsyncClient, url: str) -> Any:
        try:
            async with client.stream("GET", url) as response:
                if response.status_code in (404, 410):
                    return None  # a read of a resource that does not exist: no data, not an error
                if response.status_code != 200:
                    raise HookProblem(
                        412, f"the FHIR server answered {response.status_code}", path="fhirServer"
                    )
                raw = bytearray()
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) > self.max_bytes:  # stop reading: memory stays bounded
                        raise HookProblem(
                            412,
                            f"the FHIR server's answer exceeds {self.max_bytes} bytes",
                            path="fhirServer",
                        )
        except httpx.HTTPError as exc:
            raise HookProblem(
                412, f"the FHIR server could not be read ({type(exc).__name__})", path="fhirServer"
            ) from None
        # The same bounds as a request body (size, depth, string length, digits), checked in
        # one pass before parsing: a deeply nested answer is a 412, never a RecursionError.
        try:
            body = self.limits.loads(bytes(raw), where="fhirServer")
        except InputFormatError as exc:
            raise HookProblem(
                412, f"the FHIR server's answer was refused: {exc.message}", path="fhirServer"
            ) from None
        except RecursionError:  # a parser's own limit, should the checker ever miss one
            raise HookProblem(
                412, "the FHIR server's answer is nested too deeply", path="fhirServer"
            ) from None
        if not isinstance(body, dict):
            raise HookProblem(
                412,
                "the FHIR server answered with something that is not a resource",
                path="fhirServer",
            )
        return body


def _next_link(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if (
            isinstance(link, dict)
            and link.get("relation") == "next"
            and isinstance(link.get("url"), str)
        ):
            return link["url"]
    return None
