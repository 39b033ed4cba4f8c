"""The optional antivirus: clamd's INSTREAM protocol, fed while the upload streams in.

Two kinds of tests:
- against a small fake clamd (a thread in this process): the protocol framing, every kind of
  answer, timeouts, and how the upload handler refuses — always run;
- against a real clamd holding the EICAR test signature (``scripts/ci_clamav.sh`` starts one; its
  socket is ``$COFFRE_TEST_CLAMAV_SOCKET``, by default ``/run/coffre-clamav/clamd.ctl``): skipped
  when no clamd answers there, except in CI (``CI`` set), where they fail instead.
"""

import os
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault import antivirus
from vault.models import Blob, Document
from vault.specimens import text_pdf
from vault.tests.test_upload import UPLOAD_URL, _file, _messages, _stored_files

# The EICAR test file, in two halves so that this source file itself is not "infected".
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
REAL_CLAMD = os.environ.get("COFFRE_TEST_CLAMAV_SOCKET", "/run/coffre-clamav/clamd.ctl")

VIRUS_FR = "contient un virus"
LATER_FR = "Réessayez un peu plus tard"


def pdf_carrying(payload: bytes, padding: int = 0) -> bytes:
    """A valid PDF with ``payload`` in a comment after ``padding`` bytes of other comments."""
    pdf = text_pdf(["SPECIMEN"])
    filler = b"".join(b"%" + b"." * 98 + b"\n" for _ in range(padding // 100))
    return pdf + filler + b"%" + payload + b"\n"


# --- A fake clamd -----------------------------------------------------------------------------


class FakeClamd(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, behaviour: str) -> None:
        self.behaviour = behaviour
        self.received: list[bytes] = []  # one entry per stream: the reassembled content
        self.chunk_sizes: list[list[int]] = []
        super().__init__(path, FakeClamdHandler)


class FakeClamdHandler(socketserver.BaseRequestHandler):
    server: FakeClamd

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            more = self.request.recv(size - len(data))
            if not more:
                raise ConnectionError("client went away")
            data += more
        return data

    def handle(self) -> None:
        behaviour = self.server.behaviour
        command = self._read(len(b"zINSTREAM\0"))
        assert command == b"zINSTREAM\0", command
        if behaviour == "hang-up":
            return
        content, sizes = b"", []
        while True:
            (size,) = struct.unpack(">I", self._read(4))
            if size == 0:
                break
            sizes.append(size)
            content += self._read(size)
            if behaviour == "hang-up-mid-stream" and len(content) > 100_000:
                return
        self.server.received.append(content)
        self.server.chunk_sizes.append(sizes)
        if behaviour == "silent":
            time.sleep(5)
            return
        reply = {
            "clean": b"stream: OK\0",
            "infected": b"stream: Fake.Test-Signature FOUND\0",
            "error": b"INSTREAM size limit exceeded. ERROR\0",
        }[behaviour]
        self.request.sendall(reply)


@pytest.fixture
def fake_clamd(tmp_path_factory) -> Iterator[FakeClamd]:
    # Unix socket paths are limited to ~100 bytes: keep it short.
    path = Path(tmp_path_factory.mktemp("clamd")) / "s"
    server = FakeClamd(str(path), "clean")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def use_clamd(settings):
    def use(address: str, timeout: int = 2) -> None:
        settings.COFFRE_CLAMAV_SOCKET = address
        settings.COFFRE_CLAMAV_TIMEOUT = timeout

    return use


# --- The client -------------------------------------------------------------------------------


class TestClient:
    def test_it_frames_every_chunk_and_ends_with_a_zero_length(self, fake_clamd):
        scanner = antivirus.StreamScanner(fake_clamd.server_address, timeout=2)
        parts = [b"%PDF-1.4\n", os.urandom(300_000), b"", b"end"]
        for part in parts:
            scanner.send(part)
        assert scanner.finish() == antivirus.Verdict(infected=False)
        assert fake_clamd.received == [b"".join(parts)]
        assert max(fake_clamd.chunk_sizes[0]) <= antivirus.MAX_CHUNK

    def test_large_chunks_are_split(self, fake_clamd):
        data = os.urandom(antivirus.MAX_CHUNK * 2 + 10)
        verdict = antivirus.scan_bytes(data, fake_clamd.server_address)
        assert not verdict.infected
        assert fake_clamd.chunk_sizes == [[antivirus.MAX_CHUNK, antivirus.MAX_CHUNK, 10]]

    def test_it_reports_what_clamd_found(self, fake_clamd):
        fake_clamd.behaviour = "infected"
        verdict = antivirus.scan_bytes(b"anything", fake_clamd.server_address)
        assert verdict == antivirus.Verdict(infected=True, signature="Fake.Test-Signature")

    @pytest.mark.parametrize("behaviour", ["error", "hang-up", "silent"])
    def test_anything_but_a_verdict_is_unavailable(self, fake_clamd, behaviour):
        fake_clamd.behaviour = behaviour
        started = time.monotonic()
        with pytest.raises(antivirus.ScannerUnavailable):
            antivirus.scan_bytes(b"x" * 1000, fake_clamd.server_address, timeout=0.5)
        assert time.monotonic() - started < 3  # the timeout holds

    def test_an_absent_clamd_is_unavailable(self, tmp_path):
        with pytest.raises(antivirus.ScannerUnavailable):
            antivirus.StreamScanner(str(tmp_path / "nothing-here"), timeout=1)

    def test_over_tcp(self):
        # A TCP listener that answers like clamd (CLAMAV_HOST/CLAMAV_PORT).
        listener = socket.create_server(("127.0.0.1", 0))

        def serve():
            conn, _ = listener.accept()
            with conn:
                received = b""
                while not received.endswith(b"\0\0\0\0"):
                    received += conn.recv(65536)
                conn.sendall(b"stream: OK\0")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            verdict = antivirus.scan_bytes(b"hello", listener.getsockname(), timeout=2)
        finally:
            thread.join(timeout=2)
            listener.close()
        assert not verdict.infected

    def test_an_unreachable_tcp_clamd_is_unavailable(self):
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(antivirus.ScannerUnavailable):
            antivirus.StreamScanner(("127.0.0.1", port), timeout=1)

    def test_replies(self):
        assert antivirus.parse_reply(b"stream: OK") == antivirus.Verdict(False)
        assert antivirus.parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND").signature == (
            "Win.Test.EICAR_HDB-1"
        )
        for reply in (b"", b"stream: ", b"COMMAND READ TIMED OUT", b"stream: x ERROR"):
            with pytest.raises(antivirus.ScannerUnavailable):
                antivirus.parse_reply(reply)

    def test_settings(self, settings):
        settings.COFFRE_CLAMAV_SOCKET = ""
        settings.COFFRE_CLAMAV_HOST = ""
        assert antivirus.configured_address() is None
        assert antivirus.open_scanner() is None
        settings.COFFRE_CLAMAV_HOST, settings.COFFRE_CLAMAV_PORT = "clamav.internal", 3310
        assert antivirus.configured_address() == ("clamav.internal", 3310)
        settings.COFFRE_CLAMAV_SOCKET = "/run/clamav/clamd.ctl"
        assert antivirus.configured_address() == "/run/clamav/clamd.ctl"


# --- The upload handler with a fake clamd -----------------------------------------------------


class TestUploadsWithAFakeClamd:
    def test_every_byte_is_scanned_and_a_clean_file_is_kept(self, logged_in, fake_clamd, use_clamd):
        use_clamd(fake_clamd.server_address)
        data = pdf_carrying(b"clean", padding=600_000)  # several upload chunks
        response = logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", data)]}, follow=True)
        assert "1 papier ajouté." in _messages(response)
        assert fake_clamd.received == [data]
        assert len(fake_clamd.chunk_sizes[0]) >= 3

    def test_an_infected_file_is_refused_and_leaves_nothing(
        self, logged_in, fake_clamd, use_clamd, blob_dir
    ):
        fake_clamd.behaviour = "infected"
        use_clamd(fake_clamd.server_address)
        response = logged_in.post(
            UPLOAD_URL, {"files": [_file("a.pdf", pdf_carrying(b"x"))]}, follow=True
        )
        assert any(VIRUS_FR in message for message in _messages(response)), _messages(response)
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    @pytest.mark.parametrize("behaviour", ["error", "hang-up", "hang-up-mid-stream", "silent"])
    def test_no_verdict_means_no_file(self, logged_in, fake_clamd, use_clamd, blob_dir, behaviour):
        fake_clamd.behaviour = behaviour
        use_clamd(fake_clamd.server_address, timeout=1)
        data = pdf_carrying(b"x", padding=600_000)
        response = logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", data)]}, follow=True)
        assert any(LATER_FR in message for message in _messages(response)), _messages(response)
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_an_unreachable_clamd_refuses_every_file(
        self, logged_in, use_clamd, tmp_path, blob_dir
    ):
        use_clamd(str(tmp_path / "no-clamd-here"))
        files = [_file(f"p{i}.pdf", text_pdf([f"page {i}"])) for i in range(2)]
        response = logged_in.post(UPLOAD_URL, {"files": files}, follow=True)
        messages = _messages(response)
        assert sum(LATER_FR in message for message in messages) == 2, messages
        assert not Document.objects.exists() and _stored_files(blob_dir) == []

    def test_each_file_gets_its_own_verdict(self, logged_in, fake_clamd, use_clamd):
        use_clamd(fake_clamd.server_address)
        files = [_file(f"p{i}.pdf", text_pdf([f"page {i}"])) for i in range(3)]
        logged_in.post(UPLOAD_URL, {"files": files})
        assert Document.objects.count() == 3 and len(fake_clamd.received) == 3

    def test_a_file_refused_for_its_type_is_not_sent_on(self, logged_in, fake_clamd, use_clamd):
        use_clamd(fake_clamd.server_address)
        response = logged_in.post(
            UPLOAD_URL, {"files": [_file("a.pdf", b"<html>" + b"x" * 1000)]}, follow=True
        )
        assert any("n’est pas un type" in message for message in _messages(response))
        assert fake_clamd.received == []  # the connection was dropped without a verdict


# --- A real clamd -----------------------------------------------------------------------------


@pytest.fixture
def real_clamd() -> str:
    if antivirus.ping(REAL_CLAMD):
        return REAL_CLAMD
    message = f"no clamd answers on {REAL_CLAMD} (scripts/ci_clamav.sh starts one)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}")
    pytest.skip(message)


class TestRealClamd:
    def test_it_finds_the_eicar_test_file(self, real_clamd):
        verdict = antivirus.scan_bytes(EICAR, real_clamd)
        assert verdict.infected and "Eicar" in verdict.signature

    def test_a_clean_file_is_clean(self, real_clamd):
        assert not antivirus.scan_bytes(text_pdf(["SPECIMEN"]), real_clamd).infected

    def test_an_upload_carrying_eicar_is_refused_and_leaves_nothing(
        self, logged_in, real_clamd, use_clamd, blob_dir
    ):
        use_clamd(real_clamd, timeout=30)
        # EICAR at the very end of a file of several upload chunks: every chunk reached clamd.
        data = pdf_carrying(EICAR, padding=700_000)
        response = logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", data)]}, follow=True)
        messages = _messages(response)
        assert any(VIRUS_FR in message for message in messages), messages
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_a_clean_upload_goes_through(
        self, logged_in, real_clamd, use_clamd, django_capture_on_commit_callbacks
    ):
        use_clamd(real_clamd, timeout=30)
        data = pdf_carrying(b"nothing to see", padding=700_000)
        with django_capture_on_commit_callbacks(execute=True):
            response = logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", data)]}, follow=True)
        assert "1 papier ajouté." in _messages(response)
        assert Document.objects.get().state == Document.State.READY
