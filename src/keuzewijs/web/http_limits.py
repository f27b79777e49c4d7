"""uvicorn's httptools protocol with bounds on the request head (request line + headers).

- Size: httptools collects a header until it is complete, so a client sending one endless
  header would grow the server's memory without limit. This protocol counts the bytes received
  while a request head is incomplete and answers 431 (then closes) once they pass
  KEUZEWIJS_MAX_HEADER_BYTES; it never holds more than that plus one network read. A head that
  arrives complete in one read is measured when it is complete, so it cannot overshoot either.
- Time: a head must be complete KEUZEWIJS_HEAD_TIMEOUT_SECONDS after the connection opened or
  after its first byte (a later request on a kept-alive connection), else 408 and close. uvicorn
  itself has no such timeout: a client sending one header line every 10 s held a connection (and
  a file descriptor) forever, and a few thousand of them starved /health.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_MAX_HEAD = 32_768
DEFAULT_HEAD_TIMEOUT = 10.0


def _limit() -> int:
    raw = os.environ.get("KEUZEWIJS_MAX_HEADER_BYTES", "")
    return int(raw) if raw.isdigit() else DEFAULT_MAX_HEAD


def _head_timeout() -> float:
    try:
        return float(os.environ.get("KEUZEWIJS_HEAD_TIMEOUT_SECONDS", DEFAULT_HEAD_TIMEOUT))
    except ValueError:
        return DEFAULT_HEAD_TIMEOUT


def _answer(status: bytes, title: bytes) -> bytes:
    body = b'{"type":"about:blank","title":"' + title + b'","status":' + status[:3] + b"}"
    return (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/problem+json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )


TOO_LARGE = _answer(b"431 Request Header Fields Too Large", b"Request header fields too large")
TOO_SLOW = _answer(b"408 Request Timeout", b"Request timeout")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head = _limit()
    head_timeout = _head_timeout()
    _head_bytes = 0
    _in_body = False
    _head_ended = False  # a request head was completed during the current read
    _refused = False  # answered 431/408: the rest of what the client sent is ignored
    _head_timer: asyncio.TimerHandle | None = None
    _peer_done = False  # the client closed its writing side after a complete request

    # asyncio's Protocol lets eof_received return True to keep the transport open for writing;
    # uvicorn narrowed the return type to None, hence the ignore.
    def eof_received(self) -> bool | None:  # type: ignore[override]
        cycle = self.cycle
        answering = cycle is not None and not cycle.response_complete and not cycle.more_body
        if answering and not self._refused:
            self._peer_done = True
            return True  # write the answer, then close in on_response_complete
        return None  # an incomplete request, or nothing pending: close now (uvicorn's way)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._peer_done and not self.transport.is_closing():
            self.transport.close()  # nothing more can come from a client that half-closed

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        counting = not self._in_body
        self._head_ended = False
        super().data_received(data)
        # Count a read only when it ended inside an incomplete head. A read that completed a
        # head (and may hold its whole body, even a whole message) is not head bytes: counting
        # it refused any request whose head and body of over 32 KB arrived in one read. That
        # head's own size is checked in on_headers_complete.
        if counting and not self._in_body and not self._head_ended:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head and not self.transport.is_closing():
                self._refuse(TOO_LARGE)

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        self._in_body = False
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._refused:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._in_body = True
        self._head_ended = True
        self._head_bytes = 0
        self._disarm_head_timer()
        if self._parsed_head_size() > self.max_head:
            self._refuse(TOO_LARGE)  # the app never sees this request
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._in_body = False

    def _parsed_head_size(self) -> int:
        """The head's size as sent, up to whitespace: request line plus header lines."""
        size = len(self.url) + 20  # method, spaces, "HTTP/1.1", line ends
        for name, value in self.headers:
            size += len(name) + len(value) + 4  # ": " and "\r\n"
        return size

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if not busy and not self.transport.is_closing():
            self._refuse(TOO_SLOW)

    def _refuse(self, answer: bytes) -> None:
        self._refused = True
        self._disarm_head_timer()
        self.transport.write(answer)
        self.transport.close()
