"""uvicorn's httptools protocol with a bound on the request head (request line + headers).

httptools collects a header until it is complete, so a client sending one endless header
would grow the server's memory without limit. This protocol counts the bytes received while
a request head is incomplete and answers 431 (then closes) once they pass
KEUZEWIJS_MAX_HEADER_BYTES; it never holds more than that plus one network read.
"""

from __future__ import annotations

import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_MAX_HEAD = 32_768


def _limit() -> int:
    raw = os.environ.get("KEUZEWIJS_MAX_HEADER_BYTES", "")
    return int(raw) if raw.isdigit() else DEFAULT_MAX_HEAD


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head = _limit()
    _head_bytes = 0
    _in_body = False
    _head_ended = False  # a request head was completed during the current read

    def data_received(self, data: bytes) -> None:
        counting = not self._in_body
        self._head_ended = False
        super().data_received(data)
        # Count a read only when it ended inside an incomplete head. A read that completed a
        # head (and may hold its whole body, even a whole message) is not head bytes: counting
        # it refused any request whose head and body of over 32 KB arrived in one read.
        if counting and not self._in_body and not self._head_ended:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head and not self.transport.is_closing():
                self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_body = False

    def on_headers_complete(self) -> None:
        self._in_body = True
        self._head_ended = True
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_body = False

    def _refuse(self) -> None:
        body = b'{"type":"about:blank","title":"Request header fields too large","status":431}'
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
