"""Brute-force protection for the login (CNIL délibération 2022-100: lock after at most 10
failures; OWASP ASVS 5 §6.3): growing delays, then a temporary lock, per account name and per
network address. A locked person gets out through a recovery path (``unlock``)."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import LoginThrottle

WINDOW = datetime.timedelta(hours=24)
FREE_FAILURES = 3  # typing mistakes: no delay before the 4th try
MAX_DELAY = datetime.timedelta(minutes=15)
ACCOUNT_LOCK_AFTER = 10
ACCOUNT_LOCK = datetime.timedelta(hours=24)
ADDRESS_LOCK_AFTER = 100  # a shared connection (a day centre's wifi) must not lock everyone
ADDRESS_LOCK = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Refusal:
    until: datetime.datetime
    locked: bool  # True: a lock (recovery needed or wait); False: a short delay


def _key(kind: str, value: str) -> str:
    return salted_hmac("coffre.login-throttle", f"{kind}:{value}").hexdigest()


@dataclass(frozen=True)
class _Rule:
    key: str
    lock_after: int
    lock_for: datetime.timedelta
    delays: bool  # growing delays between tries (account names only: an address is shared)


def _rules(username: str, address: str) -> list[_Rule]:
    rules = [
        _Rule(_key("account", username.strip().casefold()), ACCOUNT_LOCK_AFTER, ACCOUNT_LOCK, True)
    ]
    if address:
        rules.append(_Rule(_key("address", address), ADDRESS_LOCK_AFTER, ADDRESS_LOCK, False))
    return rules


def _delay(failures: int) -> datetime.timedelta:
    if failures < FREE_FAILURES:
        return datetime.timedelta(0)
    return min(datetime.timedelta(seconds=5 * 2 ** (failures - FREE_FAILURES)), MAX_DELAY)


def refusal(username: str, address: str) -> Refusal | None:
    """Why this attempt must wait, if it must (checked before any password is verified)."""
    now = timezone.now()
    worst: Refusal | None = None
    rules = {rule.key: rule for rule in _rules(username, address)}
    for row in LoginThrottle.objects.filter(key__in=rules):
        if row.locked_until and row.locked_until > now:
            candidate = Refusal(row.locked_until, locked=True)
        elif (
            rules[row.key].delays
            and row.last_failure_at
            and row.first_failure_at
            and now - row.first_failure_at < WINDOW
        ):
            until = row.last_failure_at + _delay(row.failures)
            if until <= now:
                continue
            candidate = Refusal(until, locked=False)
        else:
            continue
        if worst is None or (candidate.locked, candidate.until) > (worst.locked, worst.until):
            worst = candidate
    return worst


def record_failure(username: str, address: str) -> bool:
    """Count a failure; True if the account name just became locked."""
    now = timezone.now()
    account_locked = False
    for index, rule in enumerate(_rules(username, address)):
        with transaction.atomic():
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=rule.key)
            if not row.first_failure_at or now - row.first_failure_at >= WINDOW:
                row.failures, row.first_failure_at = 0, now
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= rule.lock_after:
                row.locked_until = now + rule.lock_for
                row.failures, row.first_failure_at = 0, None
                account_locked = account_locked or index == 0
            row.save()
    return account_locked


def reset(username: str) -> None:
    """A successful login, or a recovery: the account name starts afresh."""
    LoginThrottle.objects.filter(key=_key("account", username.strip().casefold())).delete()


unlock = reset
