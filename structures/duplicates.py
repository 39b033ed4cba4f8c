"""Does the person being registered at the desk already have an account?

Same name and same birth date, whatever the case, the accents, the hyphens, apostrophes and
spaces ("N'Diaye", "N’DIAYE", "Ndiaye"), and whichever of the two names was typed first (first
and last names are often swapped for names from other countries). This is the only read across
structures a professional's action makes: the caller tells the professional *that* such an
account exists, never which one or anything about it (``structures.views.beneficiary_create``).
"""

import datetime
import re
import unicodedata

from accounts.lib import ascii_slug
from accounts.models import Beneficiary


def name_key(text: str) -> str:
    """'N’Diaye-Müller ' -> 'ndiayemuller'; names with no Latin letters keep their own."""
    latin = ascii_slug(text).replace("-", "")
    return latin or re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def identity_key(first_name: str, last_name: str, birth_date: datetime.date) -> str:
    """One string per (name, birth date), the same whichever name comes first."""
    names = sorted((name_key(first_name), name_key(last_name)))
    return f"{names[0]}|{names[1]}|{birth_date.isoformat()}"


def existing_accounts(
    first_name: str, last_name: str, birth_date: datetime.date
) -> list[Beneficiary]:
    """Accounts of people with this name and birth date.

    The birth date narrows the search through its index; names are compared here, in Python,
    because neither SQLite nor a plain PostgreSQL strips accents.
    """
    wanted = identity_key(first_name, last_name, birth_date)
    candidates = Beneficiary.objects.filter(birth_date=birth_date).only(
        "pk", "code", "first_name", "last_name", "birth_date"
    )
    return [
        candidate
        for candidate in candidates.iterator(chunk_size=500)
        if identity_key(candidate.first_name, candidate.last_name, birth_date) == wanted
    ]
