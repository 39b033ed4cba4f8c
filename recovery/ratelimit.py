"""Counters for recovery, per phone number, network address or account name, keyed on a keyed
hash (as accounts.throttle does for logins): how many codes are sent, how many wrong codes are
typed. A fixed window per key; the row is locked while it is counted."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import SendCounter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: datetime.timedelta


HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

# A person who did not receive the code asks again two or three times; more is someone else.
SMS_PER_NUMBER = Limit("sms-number", 3, HOUR)
SMS_PER_NUMBER_DAY = Limit("sms-number-day", 8, DAY)
# A day centre's wifi is shared by many people: generous, but it stops a script.
SMS_PER_ADDRESS = Limit("sms-address", 30, HOUR)
# Wrong recovery codes typed for one account name, and from one address.
CODE_FAILURES_PER_ACCOUNT = Limit("code-account", 5, HOUR)
CODE_FAILURES_PER_ADDRESS = Limit("code-address", 50, HOUR)


def _key(limit: Limit, value: str) -> str:
    return salted_hmac("coffre.recovery.limit", f"{limit.name}:{value}").hexdigest()


def _current(row: SendCounter, limit: Limit, now: datetime.datetime) -> int:
    return row.count if now - row.window_started_at < limit.window else 0


def exceeded(limit: Limit, value: str) -> bool:
    """True if ``value`` already used up ``limit`` in the current window."""
    row = SendCounter.objects.filter(key=_key(limit, value)).first()
    return row is not None and _current(row, limit, timezone.now()) >= limit.count


def hit(limit: Limit, value: str) -> bool:
    """Count one use; False (and nothing counted) when the limit is already reached."""
    now = timezone.now()
    with transaction.atomic():
        row, _created = SendCounter.objects.select_for_update().get_or_create(
            key=_key(limit, value), defaults={"window_started_at": now}
        )
        current = _current(row, limit, now)
        if current >= limit.count:
            return False
        if current == 0:
            row.window_started_at = now
        row.count = current + 1
        row.save(update_fields=["count", "window_started_at"])
    return True


def clear(limit: Limit, value: str) -> None:
    SendCounter.objects.filter(key=_key(limit, value)).delete()
