import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crypto.keys import generate_master_key
from crypto.rotation import master_key_usage, pruned_master_key_json, rotated_master_key_json


def _current_json() -> str:
    if settings.COFFRE_MASTER_KEY:
        return str(settings.COFFRE_MASTER_KEY)
    path = Path(settings.COFFRE_MASTER_KEY_PATH)
    if not path.exists():
        raise CommandError("no master key yet (none in COFFRE_MASTER_KEY nor under var/)")
    return path.read_text()


def _write_local(text: str) -> None:
    """Replace the embedded-default key file atomically (never used when COFFRE_MASTER_KEY set)."""
    path = Path(settings.COFFRE_MASTER_KEY_PATH)
    temporary = path.with_suffix(".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temporary, path)


class Command(BaseCommand):
    help = (
        "Master key: `generate` a new one; `rotate` (add a new primary key); `status` (which "
        "key wraps how many keysets); `prune` (drop keys that wrap nothing). New keysets are "
        "printed as Tink JSON for COFFRE_MASTER_KEY; with the embedded default under var/, "
        "--write replaces that file."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["generate", "rotate", "status", "prune"])
        parser.add_argument("--write", action="store_true", help="update var/master-key.json")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            for key_id, count in sorted(master_key_usage().items(), key=str):
                self.stdout.write(f"master key {key_id}: wraps {count} keysets")
            return
        if action == "generate":
            text = generate_master_key()
        elif action == "rotate":
            text = rotated_master_key_json(_current_json())
        else:
            text = pruned_master_key_json(_current_json())
        if options["write"]:
            if settings.COFFRE_MASTER_KEY:
                raise CommandError("COFFRE_MASTER_KEY is set: store the printed key there instead")
            _write_local(text)
            self.stdout.write(
                "var/master-key.json updated; restart the processes, then run "
                "`manage.py rewrap_keysets`."
            )
        else:
            self.stdout.write(text)
