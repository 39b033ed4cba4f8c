"""Pure helpers for accounts: no database access here."""

import datetime
import re
import secrets
import unicodedata

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_birth_date(text: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def ascii_slug(text: str) -> str:
    """'Zoé-Anaïs' -> 'zoe-anais': readable on a card, typeable on any keyboard."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = decomposed.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def username_candidate(first_name: str, last_name: str) -> str:
    base = f"{ascii_slug(first_name)}.{ascii_slug(last_name)}".strip(".") or "personne"
    # Digits only, no look-alike letters: easy to read out loud at the desk.
    return f"{base[:40]}.{secrets.randbelow(900) + 100}"
