#!/usr/bin/env python
"""Throughput and memory of the real server: encrypted papers against a plain Django baseline.

Starts gunicorn (1 worker, gthread, 2 threads) on 127.0.0.1 with ``bench.settings`` and a fresh
temporary var dir, logs in as a beneficiary, and sends a large PDF-looking file up and down:

* encrypted: the product endpoints ``/coffre/upload/`` and ``/coffre/d/<code>/download/``;
* plain: ``/bench/plain/...`` (bench URLconf only): Django's default upload handlers,
  ``default_storage.save`` and ``FileResponse``.

The RSS of the server (master + worker) is sampled every ~20 ms throughout. See bench/README.md.
Exit status is non-zero only on errors, never on a missed goal.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psutil

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000  # every size and rate in this bench is in SI megabytes
PDF_HEADER = b"%PDF-1.4\n"
SEND_CHUNK = 1024 * 1024
RECV_CHUNK = 1024 * 1024
SAMPLE_INTERVAL = 0.02
SOCKET_TIMEOUT = 120.0
GOAL_RATIO = 0.8
GOAL_RSS_DELTA = 30 * MB
PHASES = ("enc_upload", "enc_download", "plain_upload", "plain_download")

USERNAME = "bench"
DOC_LINK = re.compile(r"/coffre/d/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(var_dir: Path, size: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The bench always uses the embedded defaults: SQLite and local disk under var_dir.
        if key not in {"DATABASE_URL", "STORAGE_URL", "COFFRE_MASTER_KEY", "SECRET_KEY"}
        and not key.endswith("_FILE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        COFFRE_VAR_DIR=str(var_dir),
        COFFRE_MAX_UPLOAD_BYTES=str(4 * size),
        COFFRE_QUOTA_BYTES=str(16 * size),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")


CREATE_USER = """
import os
from datetime import date
from accounts.models import Beneficiary, User
user = User.objects.create_user(
    os.environ["BENCH_USERNAME"], password=os.environ["BENCH_PASSWORD"], kind=User.Kind.BENEFICIARY
)
Beneficiary.objects.create(
    user=user, first_name="Banc", last_name="Essai", birth_date=date(1980, 1, 1)
)
"""


class Server:
    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file: Any = None

    def start(self) -> None:
        self.log_file = self.log_path.open("wb")
        command = [
            sys.executable, "-m", "gunicorn", "coffre.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", "1", "--worker-class", "gthread", "--threads", "2",
            "--timeout", "300", "--chdir", str(ROOT),
            "--error-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited early:\n{self.log_tail()}")
            if self.workers():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return
                except OSError:
                    pass
            time.sleep(0.1)
        raise BenchError(f"gunicorn did not start within 60 s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            workers = self.workers()
            self.process.terminate()  # gunicorn stops its worker gracefully on SIGTERM
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                for worker in workers:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        worker.kill()
                self.process.kill()
                self.process.wait(timeout=15)
        if self.log_file is not None:
            self.log_file.close()


# --------------------------------------------------------------------------- memory


@dataclass
class Sample:
    t: float
    phase: str
    total: int  # master + workers
    worker: int


class RssSampler(threading.Thread):
    """Samples the RSS of the gunicorn master and its workers every ~20 ms."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.phase = "startup"
        self.samples: list[Sample] = []
        self._halt = threading.Event()
        self.master = psutil.Process(server.pid)

    def run(self) -> None:
        workers = self.server.workers()
        for count in range(10**9):  # bounded; stopped by stop()
            if self._halt.is_set():
                return
            if count % 50 == 0:
                workers = self.server.workers()
            try:
                worker_rss = sum(w.memory_info().rss for w in workers)
                total = self.master.memory_info().rss + worker_rss
            except psutil.NoSuchProcess:
                workers = self.server.workers()
                continue
            self.samples.append(Sample(time.perf_counter(), self.phase, total, worker_rss))
            self._halt.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def of(self, phase: str) -> list[Sample]:
        return [s for s in self.samples if s.phase == phase]


def _proc_status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class HighWaterMark:
    """The kernel's exact peak RSS (VmHWM) of the worker, reset before each phase (Linux only).

    A cross-check for the 20 ms sampling, which can miss a short spike.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peaks: dict[str, int] = {}
        self.growth: dict[str, int] = {}  # peak during the phase - RSS when it started
        self.available = True
        self._start = 0

    def _worker_pids(self) -> list[int]:
        return [w.pid for w in self.server.workers()]

    def reset(self) -> None:
        pids = self._worker_pids()
        for pid in pids:
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5 = reset the peak RSS
            except OSError:
                self.available = False
        self._start = sum(_proc_status_kb(pid, "VmRSS") or 0 for pid in pids)

    def record(self, phase: str) -> None:
        values = [_proc_status_kb(pid, "VmHWM") for pid in self._worker_pids()]
        if not values or any(v is None for v in values):
            self.available = False
            return
        peak = sum(v for v in values if v is not None)
        self.peaks[phase] = max(self.peaks.get(phase, 0), peak)
        self.growth[phase] = max(self.growth.get(phase, 0), peak - self._start)


# --------------------------------------------------------------------------- HTTP client


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Transfer:
    seconds: float
    nbytes: int
    cpu_user: float  # of the server's worker, during the transfer
    cpu_system: float
    runqueue_wait: float  # time the worker's threads were ready to run but had no CPU

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / MB / self.seconds


@dataclass
class Client:
    port: int
    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_form_token: str = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=SOCKET_TIMEOUT)

    def _headers(self, referer: str = "/coffre/") -> dict[str, str]:
        headers = {"Referer": self.origin + referer}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def _worker_cpu(self) -> tuple[float, float, float]:
        """User and system CPU seconds of the worker, and its threads' run-queue wait (Linux)."""
        user = system = wait = 0.0
        for worker in self.server.workers():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = worker.cpu_times()
                user += times.user
                system += times.system
            # schedstat: "<ns on CPU> <ns waiting on a run queue> <timeslices>", per thread.
            with contextlib.suppress(OSError, ValueError, IndexError):
                for task in Path(f"/proc/{worker.pid}/task").iterdir():
                    wait += int((task / "schedstat").read_text().split()[1]) / 1e9
        return user, system, wait

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, referer: str = "/coffre/"
    ) -> Reply:
        headers = self._headers(referer)
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self._keep_cookies(response)
            return Reply(response.status, response.headers, data)
        finally:
            conn.close()

    def refresh_csrf(self, path: str) -> str:
        reply = self.request("GET", path)
        if reply.status != 200:
            raise BenchError(f"GET {path}: HTTP {reply.status}")
        page = reply.body.decode()
        match = CSRF_FIELD.search(page)
        if not match:
            raise BenchError(f"GET {path}: no CSRF token in the page")
        self.csrf_form_token = match.group(1)
        return page

    def login(self, password: str) -> None:
        self.refresh_csrf("/login/")
        form = {"username": USERNAME, "password": password}
        form["csrfmiddlewaretoken"] = self.csrf_form_token
        reply = self.request("POST", "/login/", form, referer="/login/")
        if reply.status != 302:
            raise BenchError(f"login failed: HTTP {reply.status}")
        # Logging in rotates the CSRF token: take the new one from the vault page.
        self.refresh_csrf("/coffre/")

    def document_codes(self) -> set[str]:
        return set(DOC_LINK.findall(self.refresh_csrf("/coffre/")))

    def upload(self, path: str, payload: memoryview, filename: str) -> tuple[Reply, Transfer]:
        """POST multipart/form-data with its Content-Length, sending the file 1 MiB at a time.

        The CSRF field comes first, as in the browser form; the timing covers the whole request,
        up to the server's answer (so it includes the database work after the body is read).
        """
        boundary = "----bench" + uuid.uuid4().hex
        head = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{self.csrf_form_token}\r\n"
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = self._headers()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        headers["Content-Length"] = str(len(head) + len(payload) + len(tail))
        conn = self._connection()
        try:
            user0, system0, wait0 = self._worker_cpu()
            start = time.perf_counter()
            conn.putrequest("POST", path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            conn.send(head)
            for offset in range(0, len(payload), SEND_CHUNK):
                conn.send(payload[offset : offset + SEND_CHUNK])
            conn.send(tail)
            response = conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - start
            user1, system1, wait1 = self._worker_cpu()
            self._keep_cookies(response)
        finally:
            conn.close()
        transfer = Transfer(seconds, len(payload), user1 - user0, system1 - system0, wait1 - wait0)
        return Reply(response.status, response.headers, data), transfer

    def download(self, path: str, expected: int, keep: bool = False) -> tuple[Transfer, bytes]:
        """GET and read the body 1 MiB at a time, discarding it (unless keep)."""
        buffer = bytearray(RECV_CHUNK)
        view = memoryview(buffer)
        kept = bytearray()
        received = 0
        conn = self._connection()
        try:
            user0, system0, wait0 = self._worker_cpu()
            start = time.perf_counter()
            conn.request("GET", path, headers=self._headers())
            response = conn.getresponse()
            if response.status != 200:
                raise BenchError(f"GET {path}: HTTP {response.status}")
            for _ in range(expected + 2):  # bounded: each read returns >= 1 byte until EOF
                n = response.readinto(buffer)
                if not n:
                    break
                received += n
                if keep:
                    kept += view[:n]
            seconds = time.perf_counter() - start
            user1, system1, wait1 = self._worker_cpu()
        finally:
            conn.close()
        if received != expected:
            raise BenchError(f"GET {path}: received {received} bytes, expected {expected}")
        transfer = Transfer(seconds, received, user1 - user0, system1 - system0, wait1 - wait0)
        return transfer, bytes(kept)

    # The two paths under test -------------------------------------------------------------

    def encrypted_upload(self, payload: memoryview, filename: str) -> tuple[str, Transfer]:
        before = self.document_codes()
        reply, transfer = self.upload("/coffre/upload/", payload, filename)
        if reply.status != 302:
            raise BenchError(f"encrypted upload: HTTP {reply.status}")
        new = self.document_codes() - before
        if len(new) != 1:
            raise BenchError(f"encrypted upload: expected one new paper, found {len(new)}")
        return new.pop(), transfer

    def encrypted_download(
        self, code: str, size: int, keep: bool = False
    ) -> tuple[Transfer, bytes]:
        return self.download(f"/coffre/d/{code}/download/", size, keep)

    def encrypted_delete(self, code: str) -> None:
        form = {"csrfmiddlewaretoken": self.csrf_form_token}
        reply = self.request("POST", f"/coffre/d/{code}/delete/", form)
        if reply.status != 302:
            raise BenchError(f"encrypted delete: HTTP {reply.status}")

    def plain_upload(self, payload: memoryview, filename: str) -> tuple[str, Transfer]:
        reply, transfer = self.upload("/bench/plain/upload/", payload, filename)
        if reply.status != 200:
            raise BenchError(f"plain upload: HTTP {reply.status}")
        names = json.loads(reply.body)["names"]
        if len(names) != 1:
            raise BenchError(f"plain upload: expected one stored file, got {names}")
        return str(names[0]), transfer

    def plain_download(self, name: str, size: int, keep: bool = False) -> tuple[Transfer, bytes]:
        return self.download(f"/bench/plain/{quote(name)}/download/", size, keep)

    def plain_delete(self, name: str) -> None:
        form = {"csrfmiddlewaretoken": self.csrf_form_token}
        reply = self.request("POST", f"/bench/plain/{quote(name)}/delete/", form)
        if reply.status != 204:
            raise BenchError(f"plain delete: HTTP {reply.status}")


# --------------------------------------------------------------------------- the bench


def machine_state() -> dict[str, float | None]:
    """Load average and CPU pressure (Linux PSI): how much other work competed with the bench."""
    pressure = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]  # "some avg10=1.23 ..."
        pressure = float(first.split()[1].split("=")[1])
    return {"load_1min": os.getloadavg()[0], "cpu_pressure_some_avg10_percent": pressure}


def make_payload(size: int) -> bytes:
    return PDF_HEADER + os.urandom(size - len(PDF_HEADER))


def warm_up(client: Client) -> None:
    """One small round trip on each path, checking the bytes come back intact."""
    small = make_payload(1 * MB)
    code, _ = client.encrypted_upload(memoryview(small), "warmup.pdf")
    _, back = client.encrypted_download(code, len(small), keep=True)
    if back != small:
        raise BenchError("encrypted round trip changed the content")
    client.encrypted_delete(code)
    name, _ = client.plain_upload(memoryview(small), "warmup.pdf")
    _, back = client.plain_download(name, len(small), keep=True)
    if back != small:
        raise BenchError("plain round trip changed the content")
    client.plain_delete(name)


Results = dict[str, list[Transfer]]


class Bench:
    def __init__(self, client: Client, sampler: RssSampler, hwm: HighWaterMark) -> None:
        self.client = client
        self.sampler = sampler
        self.hwm = hwm

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.hwm.reset()
        self.sampler.phase = name
        try:
            yield
        finally:
            self.sampler.phase = "between"
            self.hwm.record(name)

    def idle_rss(self, name: str, seconds: float = 1.0) -> float:
        self.sampler.phase = name
        time.sleep(seconds)
        self.sampler.phase = "between"
        samples = self.sampler.of(name)
        if not samples:
            raise BenchError("no RSS sample taken while idle")
        return statistics.median(s.total for s in samples)

    def idle_worker_rss(self, name: str) -> float:
        return statistics.median(s.worker for s in self.sampler.of(name))

    def encrypted(self, payload: memoryview, label: str, results: Results) -> None:
        with self.phase("enc_upload"):
            code, up = self.client.encrypted_upload(payload, f"bench-{label.replace(' ', '-')}.pdf")
        with self.phase("enc_download"):
            down, _ = self.client.encrypted_download(code, len(payload))
        self.client.encrypted_delete(code)
        results["enc_upload"].append(up)
        results["enc_download"].append(down)
        print(f"  {label:<6} encrypted: up {up.mb_per_s:7.1f} MB/s, "
              f"down {down.mb_per_s:7.1f} MB/s", flush=True)  # fmt: skip

    def plain(self, payload: memoryview, label: str, results: Results) -> None:
        with self.phase("plain_upload"):
            name, up = self.client.plain_upload(payload, f"bench-{label.replace(' ', '-')}.pdf")
        with self.phase("plain_download"):
            down, _ = self.client.plain_download(name, len(payload))
        self.client.plain_delete(name)
        results["plain_upload"].append(up)
        results["plain_download"].append(down)
        print(f"  {label:<6} plain:     up {up.mb_per_s:7.1f} MB/s, "
              f"down {down.mb_per_s:7.1f} MB/s", flush=True)  # fmt: skip

    def rounds(self, size: int, repeats: int) -> tuple[Results, Results]:
        """One cold round (reported apart, not in the medians), then the measured rounds."""
        payload = memoryview(make_payload(size))
        cold: Results = {phase: [] for phase in PHASES}
        results: Results = {phase: [] for phase in PHASES}
        self.encrypted(payload, "cold", cold)
        self.plain(payload, "cold", cold)
        for i in range(repeats):
            # Alternate which path goes first so neither always gets the warmer (or dirtier) cache.
            steps: list[Callable[[memoryview, str, Results], None]] = [self.encrypted, self.plain]
            if i % 2:
                steps.reverse()
            for step in steps:
                step(payload, f"run {i + 1}", results)
        return cold, results


def transfer_stats(transfers: list[Transfer]) -> dict[str, Any]:
    return {
        "median_mb_per_s": statistics.median(t.mb_per_s for t in transfers),
        "median_seconds": statistics.median(t.seconds for t in transfers),
        "median_server_cpu_seconds": statistics.median(t.cpu for t in transfers),
        "median_server_cpu_user_seconds": statistics.median(t.cpu_user for t in transfers),
        "median_server_cpu_system_seconds": statistics.median(t.cpu_system for t in transfers),
        "median_server_runqueue_wait_seconds": statistics.median(
            t.runqueue_wait for t in transfers
        ),
        "runs_mb_per_s": [round(t.mb_per_s, 1) for t in transfers],
        "runs_seconds": [round(t.seconds, 4) for t in transfers],
        "runs_server_cpu_seconds": [round(t.cpu, 3) for t in transfers],
        "runs_server_runqueue_wait_seconds": [round(t.runqueue_wait, 3) for t in transfers],
    }


def summarise(
    size: int,
    repeats: int,
    cold: Results,
    results: Results,
    sampler: RssSampler,
    hwm: HighWaterMark,
    idle: tuple[float, float, float],
    machine: dict[str, dict[str, float | None]],
) -> dict[str, Any]:
    idle_total, idle_worker, idle_after = idle
    throughput: dict[str, Any] = {key: transfer_stats(value) for key, value in results.items()}
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}
    for kind in ("upload", "download"):
        enc, plain = throughput[f"enc_{kind}"], throughput[f"plain_{kind}"]
        ratios[kind] = enc["median_mb_per_s"] / plain["median_mb_per_s"]
        # Same bytes both ways, so MB per CPU-second ratio = plain CPU / encrypted CPU.
        cpu_ratios[kind] = plain["median_server_cpu_seconds"] / max(
            enc["median_server_cpu_seconds"], 1e-3
        )
    peaks: dict[str, int] = {}
    worker_peaks: dict[str, int] = {}
    for phase in PHASES:
        samples = sampler.of(phase)
        if not samples:
            raise BenchError(f"no RSS sample during {phase}")
        peaks[phase] = max(s.total for s in samples)
        worker_peaks[phase] = max(s.worker for s in samples)
    encrypted_peak = max(peaks["enc_upload"], peaks["enc_download"])
    plain_peak = max(peaks["plain_upload"], peaks["plain_download"])
    memory: dict[str, Any] = {
        "idle_mb": idle_total / MB,
        "idle_worker_mb": idle_worker / MB,
        "idle_after_runs_mb": idle_after / MB,
        "encrypted_peak_mb": encrypted_peak / MB,
        "encrypted_delta_mb": (encrypted_peak - idle_total) / MB,
        "plain_peak_mb": plain_peak / MB,
        "plain_delta_mb": (plain_peak - idle_total) / MB,
        "phase_peak_mb": {phase: value / MB for phase, value in peaks.items()},
        "phase_worker_peak_mb": {phase: value / MB for phase, value in worker_peaks.items()},
        "samples": len(sampler.samples),
        "sample_interval_s": SAMPLE_INTERVAL,
    }
    if hwm.available and all(phase in hwm.peaks for phase in PHASES):
        memory["worker_vmhwm_mb"] = {phase: hwm.peaks[phase] / MB for phase in PHASES}
        memory["worker_growth_within_phase_mb"] = {
            phase: hwm.growth[phase] / MB for phase in PHASES
        }
        memory["worker_vmhwm_encrypted_delta_mb"] = (
            max(hwm.peaks["enc_upload"], hwm.peaks["enc_download"]) - idle_worker
        ) / MB
    return {
        "file_bytes": size,
        "repeats": repeats,
        "server": "gunicorn coffre.wsgi, 1 worker, gthread, 2 threads, 127.0.0.1",
        "machine": {"cpus": os.cpu_count(), **machine},
        "throughput": throughput,
        "ratios": ratios,
        "cpu_ratios": cpu_ratios,
        "cold_first_run": {key: transfer_stats(value) for key, value in cold.items()},
        "memory": memory,
        "goals": {
            "upload_ratio": ratios["upload"] >= GOAL_RATIO,
            "download_ratio": ratios["download"] >= GOAL_RATIO,
            "rss_within_30mb": encrypted_peak - idle_total <= GOAL_RSS_DELTA,
        },
    }


def verdict(met: bool) -> str:
    return "GOAL MET" if met else "GOAL MISSED"


def report(summary: dict[str, Any]) -> None:
    t, m = summary["throughput"], summary["memory"]
    line = "-" * 88
    print()
    print(f"Coffre bench: {summary['file_bytes'] / MB:.0f} MB file, median of "
          f"{summary['repeats']} runs (after 1 cold run), gunicorn 1 worker gthread x2, "
          "loopback")  # fmt: skip
    machine = summary["machine"]
    cpus = machine["cpus"] or 1
    loads = [machine[when]["load_1min"] for when in ("start", "end")]
    pressures = [machine[when]["cpu_pressure_some_avg10_percent"] for when in ("start", "end")]
    state = f"machine: {cpus} CPUs, load average {loads[0]:.2f} -> {loads[1]:.2f}"
    if None not in pressures:
        state += f", CPU pressure {pressures[0]:.0f}% -> {pressures[1]:.0f}%"
    print(state)
    if max(loads) > 0.5 * cpus:
        print(
            "WARNING: other work is competing for the CPUs: wall-clock ratios are noisy (the "
            "server CPU cross-check is less so); rerun on a quiet machine to conclude."
        )
    print(line)
    print(f"{'throughput (MB/s)':<26}{'encrypted':>11}{'plain':>11}{'enc/plain':>11}"
          f"{'goal':>10}   result")  # fmt: skip
    for kind in ("upload", "download"):
        enc = t[f"enc_{kind}"]["median_mb_per_s"]
        plain = t[f"plain_{kind}"]["median_mb_per_s"]
        ratio = summary["ratios"][kind]
        print(f"{kind:<26}{enc:>11.1f}{plain:>11.1f}{ratio:>11.2f}{'>= 0.80':>10}   "
              f"{verdict(ratio >= GOAL_RATIO)}")  # fmt: skip
    print(line)
    print(f"{'server worker CPU (s)':<26}{'encrypted':>11}{'plain':>11}{'plain/enc':>11}"
          f"{'run-queue wait (s) enc / plain':>33}")  # fmt: skip
    for kind in ("upload", "download"):
        enc, plain = t[f"enc_{kind}"], t[f"plain_{kind}"]
        waits = (f"{enc['median_server_runqueue_wait_seconds']:.2f} / "
                 f"{plain['median_server_runqueue_wait_seconds']:.2f}")  # fmt: skip
        print(f"{kind:<26}{enc['median_server_cpu_seconds']:>11.2f}"
              f"{plain['median_server_cpu_seconds']:>11.2f}"
              f"{summary['cpu_ratios'][kind]:>11.2f}{waits:>33}")  # fmt: skip
    cold = summary["cold_first_run"]
    print(f"{'cold first run (MB/s)':<26}" + "  ".join(
        f"{phase} {cold[phase]['median_mb_per_s']:.0f}" for phase in PHASES
    ))  # fmt: skip
    print(line)
    print(f"{'server RSS (MB)':<26}{'idle':>11}{'peak':>11}{'peak-idle':>11}"
          f"{'goal':>10}   result")  # fmt: skip
    for label, key in (("encrypted up+down", "encrypted"), ("plain up+down", "plain")):
        peak, delta = m[f"{key}_peak_mb"], m[f"{key}_delta_mb"]
        result = verdict(delta * MB <= GOAL_RSS_DELTA) if key == "encrypted" else "(reference)"
        print(f"{label:<26}{m['idle_mb']:>11.1f}{peak:>11.1f}{delta:>11.1f}"
              f"{'<= 30':>10}   {result}")  # fmt: skip
    print("  peak per phase (master+worker): " + ", ".join(
        f"{phase} {value:.1f}" for phase, value in m["phase_peak_mb"].items()
    ))  # fmt: skip
    if "worker_vmhwm_mb" in m:
        print(f"  worker VmHWM (exact kernel peak): idle worker {m['idle_worker_mb']:.1f}, "
              + ", ".join(f"{p} {v:.1f}" for p, v in m["worker_vmhwm_mb"].items())
              + f"; encrypted peak-idle {m['worker_vmhwm_encrypted_delta_mb']:.1f}")  # fmt: skip
        print("  worker growth within one transfer (VmHWM - RSS at its start): " + ", ".join(
            f"{p} {v:.1f}" for p, v in m["worker_growth_within_phase_mb"].items()
        ))  # fmt: skip
    print(f"  idle after all runs {m['idle_after_runs_mb']:.1f} MB; {m['samples']} samples, "
          f"every {SAMPLE_INTERVAL * 1000:.0f} ms")  # fmt: skip
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MB (10^6 bytes)")
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "var" / "bench" / "results.json", help="results file"
    )
    args = parser.parse_args()
    size = args.size_mb * MB
    if size < 2 * MB or not 1 <= args.repeats <= 20:
        parser.error("--size-mb must be >= 2 and --repeats between 1 and 20")

    began = time.monotonic()
    machine = {"start": machine_state()}
    temp = Path(tempfile.mkdtemp(prefix="coffre-bench-"))
    server: Server | None = None
    sampler: RssSampler | None = None
    try:
        var_dir = temp / "var"
        (var_dir / "static").mkdir(parents=True)
        env = server_env(var_dir, size)
        password = secrets.token_urlsafe(24)
        print(f"Preparing a fresh var dir in {var_dir} (migrate, bench user)...", flush=True)
        manage(env, "migrate", "--no-input", "-v0")
        user_env = {**env, "BENCH_USERNAME": USERNAME, "BENCH_PASSWORD": password}
        manage(user_env, "shell", "-c", CREATE_USER)

        server = Server(env, free_port(), temp / "gunicorn.log")
        server.start()
        print(f"gunicorn up on 127.0.0.1:{server.port}", flush=True)
        sampler = RssSampler(server)
        sampler.start()
        hwm = HighWaterMark(server)
        bench = Bench(Client(server.port, server), sampler, hwm)

        bench.client.login(password)
        sampler.phase = "warmup"
        warm_up(bench.client)
        idle = bench.idle_rss("idle")
        idle_worker = bench.idle_worker_rss("idle")
        rounds = f"1 cold + {args.repeats} measured rounds of {args.size_mb} MB"
        print(f"Warm-up done, idle RSS {idle / MB:.1f} MB. {rounds}:", flush=True)

        cold, results = bench.rounds(size, args.repeats)
        idle_after = bench.idle_rss("idle_after")
        sampler.stop()
        machine["end"] = machine_state()
        summary = summarise(
            size,
            args.repeats,
            cold,
            results,
            sampler,
            hwm,
            (idle, idle_worker, idle_after),
            machine,
        )
    except (BenchError, OSError, http.client.HTTPException) as error:
        print(f"bench error: {error!r}", file=sys.stderr)
        if server is not None:
            print(f"--- gunicorn log ---\n{server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        if sampler is not None:
            sampler.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(temp, ignore_errors=True)

    summary["elapsed_seconds"] = round(time.monotonic() - began, 1)
    report(summary)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Results written to {args.json} ({summary['elapsed_seconds']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
