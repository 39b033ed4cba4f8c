"""A worker killed in the middle of preparing a paper loses nothing, and the paper gets done.

Real processes on a real (file) SQLite database: ``db_worker`` is started, killed with SIGKILL
while it works on a six-page paper, then the stalled-paper sweep queues it again and a new
worker finishes it.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CREATE = """
from accounts.models import Beneficiary
from tests.factories import BeneficiaryFactory
from tests import papers
from vault import services
owner = BeneficiaryFactory()
pages = [papers.phone_photo(papers.text_page(seed, dpi=200)[0], seed, megapixels=8)
         for seed in range(6)]
document = services.add_paper_from_pages(owner, owner.user, "Six pages", pages)
print(document.pk)
"""

CHECK = """
from crypto.blobs import iter_plaintext
from vault.models import Document
document = Document.objects.get()
for original in document.originals.select_related("blob"):
    data = b"".join(iter_plaintext(document.owner, original.blob.code, original.blob.storage_key))
    assert data[:2] == b"\\xff\\xd8", "an original is not the JPEG that was sent"
print(document.state, document.page_count, document.originals.count(), document.attempts)
"""


def _manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        **kwargs,
    )


def _last_line(process: subprocess.CompletedProcess[str]) -> str:
    return process.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="runs on a SQLite file of its own whatever the suite's database: once per CI is enough",
)
def test_a_worker_killed_mid_task_loses_nothing_and_the_paper_is_finished(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coffre.settings",
        "COFFRE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "COFFRE_STALLED_AFTER_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", CREATE)
    database = tmp_path / "coffre.sqlite3"

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        started = None
        while time.monotonic() < deadline and not started:
            with sqlite3.connect(database, timeout=10) as db:
                started = db.execute("SELECT processing_started_at FROM vault_document").fetchone()[
                    0
                ]
            time.sleep(0.1)
        assert started, "the worker never started on the paper"
        time.sleep(1.0)  # in the middle of six 8-megapixel pages
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    state, pages, originals, attempts = _last_line(_manage(env, "shell", "-c", CHECK)).split()
    assert (state, pages, originals, attempts) == ("processing", "None", "6", "1")

    time.sleep(1.1)  # older than COFFRE_STALLED_AFTER_SECONDS
    requeued = _manage(
        env, "shell", "-c", "from vault.pipeline import requeue_stalled; print(requeue_stalled())"
    )
    assert _last_line(requeued) == "1"
    _manage(env, "db_worker", "--batch", "--no-startup-delay")
    state, pages, originals, attempts = _last_line(_manage(env, "shell", "-c", CHECK)).split()
    assert (state, pages, originals, attempts) == ("ready", "6", "6", "2")
