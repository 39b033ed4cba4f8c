"""Optional antivirus: each upload is streamed to clamd while it is being encrypted.

Off unless ``CLAMAV_SOCKET`` (a clamd unix socket) or ``CLAMAV_HOST``/``CLAMAV_PORT`` is set
(settings ``COFFRE_CLAMAV_*``). When on, the upload handler opens one ``StreamScanner`` per file,
sends every plaintext chunk to clamd as it goes into the encrypting stream, and reads the verdict
when the file ends: no second pass over the file, no plaintext spooled by us.

It fails closed: clamd unreachable, too slow (timeouts below) or answering anything but a clean or
an infected verdict raises ``ScannerUnavailable``, and the upload is refused ("try again later").

A small client of clamd's INSTREAM command (clamd(8)), written here because the Python clients on
PyPI are unmaintained: send ``zINSTREAM\\0``, then each chunk prefixed by its length as a 4-byte
big-endian integer, then a zero length; clamd answers ``stream: OK\\0``,
``stream: <signature> FOUND\\0`` or ``<message> ERROR\\0``.

Operators: clamd's ``StreamMaxLength`` must be above ``COFFRE_MAX_UPLOAD_BYTES`` (clamd cuts longer
streams, which would refuse the upload), and clamd writes each stream to its
``TemporaryDirectory`` while scanning: put that on a tmpfs so that plaintext never lands on disk.
"""

import logging
import socket
import struct
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# clamd reads the stream in pieces; stay well under any sane StreamMaxLength per chunk.
MAX_CHUNK = 1024 * 1024
CONNECT_TIMEOUT = 5.0
MAX_REPLY = 4096

Address = str | tuple[str, int]


class ScannerUnavailable(Exception):
    """clamd could not give a verdict: refuse the file, ask to try again later."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str = ""


def configured_address() -> Address | None:
    """Where clamd listens according to the settings; None when the antivirus is off."""
    if settings.COFFRE_CLAMAV_SOCKET:
        return str(settings.COFFRE_CLAMAV_SOCKET)
    if settings.COFFRE_CLAMAV_HOST:
        return (str(settings.COFFRE_CLAMAV_HOST), int(settings.COFFRE_CLAMAV_PORT))
    return None


def _connect(address: Address, timeout: float) -> socket.socket:
    if isinstance(address, str):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(min(timeout, CONNECT_TIMEOUT))
            conn.connect(address)
        except OSError:
            conn.close()
            raise
    else:
        conn = socket.create_connection(address, timeout=min(timeout, CONNECT_TIMEOUT))
    conn.settimeout(timeout)
    return conn


def _read_reply(conn: socket.socket) -> bytes:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
        data = conn.recv(MAX_REPLY)
        if not data:
            break
        reply += data
    return reply.rstrip(b"\0").strip()


def parse_reply(reply: bytes) -> Verdict:
    text = reply.decode("utf-8", "replace")
    if text.startswith("stream:"):
        text = text.removeprefix("stream:").strip()
    if text == "OK":
        return Verdict(infected=False)
    if text.endswith(" FOUND"):
        return Verdict(infected=True, signature=text.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd answered: {text[:200]!r}")


class StreamScanner:
    """One file scanned by clamd as it streams: ``send()`` each chunk, then ``finish()``."""

    def __init__(self, address: Address, timeout: float) -> None:
        self.address = address
        try:
            self._conn: socket.socket | None = _connect(address, timeout)
            self._conn.sendall(b"zINSTREAM\0")
        except OSError as error:
            self.close()
            raise ScannerUnavailable(f"cannot reach clamd at {address!r}: {error}") from error

    def send(self, data: bytes) -> None:
        if self._conn is None:
            raise ScannerUnavailable("scanner already closed")
        view = memoryview(data)
        try:
            for start in range(0, len(view), MAX_CHUNK):
                piece = view[start : start + MAX_CHUNK]
                self._conn.sendall(struct.pack(">I", len(piece)))
                self._conn.sendall(piece)
        except OSError as error:
            # clamd closes the stream early on its own errors (size limit): say which, if it did.
            detail = self._late_reply()
            self.close()
            raise ScannerUnavailable(f"sending to clamd failed: {error} {detail}") from error

    def finish(self) -> Verdict:
        if self._conn is None:
            raise ScannerUnavailable("scanner already closed")
        try:
            self._conn.sendall(struct.pack(">I", 0))
            reply = _read_reply(self._conn)
        except OSError as error:
            raise ScannerUnavailable(f"no verdict from clamd: {error}") from error
        finally:
            self.close()
        return parse_reply(reply)

    def _late_reply(self) -> str:
        assert self._conn is not None
        try:
            self._conn.settimeout(0.5)
            return _read_reply(self._conn).decode("utf-8", "replace")[:200]
        except OSError:
            return ""

    def close(self) -> None:
        conn, self._conn = getattr(self, "_conn", None), None
        if conn is not None:
            conn.close()

    def __enter__(self) -> "StreamScanner":
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()


def open_scanner() -> StreamScanner | None:
    """A scanner for one file, or None when no antivirus is configured.

    Raises ScannerUnavailable when one is configured but does not answer.
    """
    address = configured_address()
    if address is None:
        return None
    return StreamScanner(address, float(settings.COFFRE_CLAMAV_TIMEOUT))


def scan_bytes(data: bytes, address: Address, timeout: float = 30.0) -> Verdict:
    with StreamScanner(address, timeout) as scanner:
        scanner.send(data)
        return scanner.finish()


def ping(address: Address, timeout: float = 2.0) -> bool:
    """True when clamd answers PING (used by the tests and for operators' checks)."""
    try:
        with _connect(address, timeout) as conn:
            conn.sendall(b"zPING\0")
            return _read_reply(conn) == b"PONG"
    except OSError:
        return False
