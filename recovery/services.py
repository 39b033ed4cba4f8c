"""Recovery workflows: finding the account, SMS codes, printed recovery codes, assisted resets,
phone verification — and ``reset_password``, the one end of every path.

No enumeration: whatever is typed on the recovery pages, the same queries run, the same rows
are written and a hash is computed; only whether an SMS really leaves differs (and the views
even out the time that takes, see ``views.evened``).
"""

import contextlib
import datetime
import functools
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from accounts import throttle
from accounts.models import Beneficiary, User
from accounts.sessions import end_all_sessions
from journal.chain import record
from journal.models import JournalEntry
from notify.backends.base import SmsDeliveryError
from notify.sms import send_sms
from structures.models import Structure

from . import lib, ratelimit
from .models import RecoveryCode, SmsCode

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_TRIES = 5
PURGE_AFTER = datetime.timedelta(days=1)


class Path(StrEnum):
    """How a password was reset (kept in the journal)."""

    SMS = "sms"
    RECOVERY_CODE = "recovery_code"
    ASSISTED = "assisted"


class TooManyRequests(Exception):
    """A rate limit is reached: wait, or go to a structure."""


class CodeResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # tries left
    DEAD = "dead"  # expired, used, or no tries left: ask for a new code


# --- Who is asking --------------------------------------------------------------------------------


def find_account(identifier: str) -> User | None:
    """The beneficiary account a username or a verified phone number designates, if exactly one.

    One query whatever was typed. Only beneficiaries recover here: professionals and staff go
    through their structure's administrator or the platform team (they have a second factor).
    """
    text = identifier.strip()[:150]
    phone = "-"  # matches no row
    if lib.looks_like_phone(text):
        with contextlib.suppress(ValidationError):
            phone = lib.normalise_phone(text)
    found = list(
        User.objects.filter(
            Q(username__iexact=text) | Q(phone=phone, phone_verified_at__isnull=False),
            kind=User.Kind.BENEFICIARY,
            is_active=True,
        ).only("pk", "username", "phone", "phone_verified_at", "preferred_language")[:2]
    )
    return found[0] if len(found) == 1 else None


def verified_phone(user: User | None) -> str:
    return user.phone if user is not None and user.phone and user.phone_verified_at else ""


def _vault(user: User) -> Beneficiary | None:
    return Beneficiary.objects.filter(user=user).first()


def _send(phone: str, user: User, text_for: Callable[[], str]) -> None:
    """Written in the person's language, whoever's request this is."""
    with translation.override(user.preferred_language):
        send_sms(phone, text_for())


# --- SMS codes ------------------------------------------------------------------------------------


def _new_sms_code(
    purpose: str, user: User | None, phone: str, **fields: object
) -> tuple[SmsCode, str]:
    now = timezone.now()
    SmsCode.objects.filter(expires_at__lt=now - PURGE_AFTER).delete()
    digits = lib.new_sms_digits()
    row = SmsCode(
        purpose=purpose,
        user=user,
        phone=phone,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        **fields,
    )
    row.digits_hash = lib.sms_digits_hash(row.code, digits)
    row.save()
    return row, digits


def _minutes() -> int:
    return int(CODE_LIFETIME.total_seconds() // 60)


def send_recovery_sms(identifier: str, user: User | None, address: str) -> SmsCode:
    """A code to the account's verified phone, if there is one; the same work otherwise.

    Raises TooManyRequests when the number (or the name typed) or the address asked too often.
    """
    phone = verified_phone(user)
    target = phone or f"name:{identifier.strip().casefold()}"
    if not (
        ratelimit.hit(ratelimit.SMS_PER_ADDRESS, address)
        and ratelimit.hit(ratelimit.SMS_PER_NUMBER, target)
        and ratelimit.hit(ratelimit.SMS_PER_NUMBER_DAY, target)
    ):
        raise TooManyRequests
    row, digits = _new_sms_code(SmsCode.Purpose.RECOVERY, user if phone else None, phone)
    # One query either way (user_id=None finds nothing, but still runs).
    owner_id = user.pk if phone and user is not None else None
    vault = Beneficiary.objects.filter(user_id=owner_id).first()  # type: ignore[misc]
    # The person sees in their journal that a code was asked for (unknown names: platform chain).
    record(vault, None, JournalEntry.Action.RECOVERY_SMS_SENT, ip=address)
    if phone and user is not None:
        text = functools.partial(_recovery_sms_text, digits)
        try:
            _send(phone, user, text)
        except SmsDeliveryError:
            # Same answer as for an unknown name; the person can ask again or go to a relais.
            logger.warning("recovery SMS not delivered (code %s)", row.code)
    return row


def _recovery_sms_text(digits: str) -> str:
    return gettext(
        "Coffre: your code to choose a new password is %(code)s. It works for %(minutes)d "
        "minutes. Never give it to anyone who calls you."
    ) % {"code": digits, "minutes": _minutes()}


def check_sms_code(code: str, purpose: str, typed: str) -> tuple[CodeResult, SmsCode | None]:
    """Compare what was typed with the code ``code``: one try used, at most MAX_TRIES."""
    digits = lib.clean_sms_digits(typed)
    now = timezone.now()
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update().filter(code=code, purpose=purpose).first()
            if code
            else None
        )
        if row is None or row.used_at or row.expires_at <= now or row.attempts >= MAX_TRIES:
            lib.sms_digits_hash(code, digits)  # the same work as a real check
            return CodeResult.DEAD, row
        row.attempts += 1
        matches = lib.sms_digits_match(row.code, digits, row.digits_hash)
        if matches and row.user_id is not None:
            row.used_at = now
            row.save(update_fields=["attempts", "used_at"])
            return CodeResult.OK, row
        row.save(update_fields=["attempts"])
        return (CodeResult.WRONG if row.attempts < MAX_TRIES else CodeResult.DEAD), row


# --- Printed recovery codes -----------------------------------------------------------------------


def _dummy_hash() -> str:
    """A real hash to check against when there is no code: the same time spent either way."""
    return _dummy_hash_for(get_hasher().algorithm)


@functools.cache
def _dummy_hash_for(algorithm: str) -> str:
    return make_password(lib.normalise_recovery_code(lib.new_recovery_code()), hasher=algorithm)


def issue_recovery_code(user: User, actor: User) -> str:
    """A new printed code for ``user``; the old one stops working. Returns it in clear, once."""
    code = lib.new_recovery_code()
    with transaction.atomic():
        RecoveryCode.objects.update_or_create(
            user=user,
            defaults={
                "code_hash": make_password(lib.normalise_recovery_code(code)),
                "issued_at": timezone.now(),
            },
        )
        vault = _vault(user)
        if vault is not None:
            record(vault, actor, JournalEntry.Action.RECOVERY_CODE_ISSUED)
    return code


def check_recovery_code(
    identifier: str, user: User | None, typed: str, address: str
) -> RecoveryCode | None:
    """The person's code row if ``typed`` is their recovery code; counts failures.

    Raises TooManyRequests after too many wrong codes for this account or from this address.
    """
    account = f"user:{user.pk}" if user is not None else f"name:{identifier.strip().casefold()}"
    if ratelimit.exceeded(ratelimit.CODE_FAILURES_PER_ACCOUNT, account) or ratelimit.exceeded(
        ratelimit.CODE_FAILURES_PER_ADDRESS, address
    ):
        raise TooManyRequests
    owner_id = user.pk if user is not None else None  # None: the same query, finding nothing
    row = RecoveryCode.objects.filter(user_id=owner_id).first()  # type: ignore[misc]
    matches = check_password(
        lib.normalise_recovery_code(typed), row.code_hash if row else _dummy_hash()
    )
    if matches and row is not None:
        return row
    ratelimit.hit(ratelimit.CODE_FAILURES_PER_ACCOUNT, account)
    ratelimit.hit(ratelimit.CODE_FAILURES_PER_ADDRESS, address)
    return None


def has_recovery_code(user: User) -> RecoveryCode | None:
    return RecoveryCode.objects.filter(user=user).first()


# --- The end of every path ------------------------------------------------------------------------


class CodeAlreadyUsed(Exception):
    """The recovery code was used (by another tab or device) since it was checked."""


def reset_password(
    user: User,
    new_password: str,
    path: Path,
    actor: User,
    *,
    structure: Structure | None = None,
    recovery_code_id: int | None = None,
    **details: object,
) -> None:
    """Set the new password, then: every session of the account ends, the login lock is
    lifted, the person's journal says who did it and how, and the person gets an SMS."""
    with transaction.atomic():
        if path == Path.RECOVERY_CODE:
            # One use: the code dies with the reset (and a second tab using it fails here).
            deleted, _ = RecoveryCode.objects.filter(pk=recovery_code_id or 0, user=user).delete()
            if not deleted:
                raise CodeAlreadyUsed
        user.set_password(new_password)
        # Someone else knows a password chosen at the desk: the person replaces it at once.
        user.must_change_password = path == Path.ASSISTED
        user.save(update_fields=["password", "must_change_password"])
        vault = _vault(user)
        if vault is not None:
            record(
                vault,
                actor,
                JournalEntry.Action.PASSWORD_RESET,
                structure=structure,
                path=str(path),
                **details,
            )
    end_all_sessions(user)
    throttle.unlock(user.username)
    notify_reset(user, path, structure)


def notify_reset(user: User, path: Path, structure: Structure | None) -> None:
    """Tell the person on their verified phone: if it was not them, they know at once."""
    phone = verified_phone(user)
    if not phone:
        return
    text = functools.partial(_reset_sms_text, path, structure)
    try:
        _send(phone, user, text)
    except (SmsDeliveryError, ValidationError):
        logger.warning("password reset notice not delivered to user %s", user.pk)


def _reset_sms_text(path: Path, structure: Structure | None) -> str:
    when = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    if path == Path.ASSISTED and structure is not None:
        how = gettext("at %(structure)s") % {"structure": structure.name}
    elif path == Path.RECOVERY_CODE:
        how = gettext("with your recovery code")
    else:
        how = gettext("with a code sent to this phone")
    return gettext(
        "Coffre: the password of your account was changed %(how)s (%(when)s). If it was not "
        "you, go to your structure at once."
    ) % {"how": how, "when": when}


# --- Assisted reset at a structure ----------------------------------------------------------------


def send_assisted_sms(
    professional: User, beneficiary: Beneficiary, structure: Structure, document: str
) -> SmsCode:
    """The person confirms on their own phone: the code goes to them, they read it out.

    Raises SmsDeliveryError (the professional is told) and TooManyRequests.
    """
    user = beneficiary.user
    phone = verified_phone(user)
    if not ratelimit.hit(ratelimit.SMS_PER_NUMBER, phone):
        raise TooManyRequests
    row, digits = _new_sms_code(
        SmsCode.Purpose.ASSISTED,
        user,
        phone,
        requested_by=professional,
        structure=structure,
        details={"document": document},
    )
    text = functools.partial(_assisted_sms_text, digits, structure)
    _send(phone, user, text)
    return row


def _assisted_sms_text(digits: str, structure: Structure) -> str:
    return gettext(
        "Coffre: %(structure)s is resetting your password. If you are there and agree, read "
        "this code to the social worker: %(code)s. Otherwise, tell nobody."
    ) % {"structure": structure.name, "code": digits}


def assisted_reset(
    professional: User,
    beneficiary: Beneficiary,
    structure: Structure,
    document: str,
    sms_confirmed: bool,
    phone_lost: bool = False,
) -> str:
    """A one-time password to hand over; the person must replace it at their next login.

    ``phone_lost``: the person no longer has their verified phone. It still gets the notice (if
    it was not them, the real owner hears of it), then stops counting as verified: whoever has
    it now cannot use it to recover the account.
    """
    user = beneficiary.user
    password = lib.new_one_time_password()
    details: dict[str, Any] = {"document": document, "sms_confirmed": sms_confirmed}
    if phone_lost:
        details["phone_lost"] = True
    reset_password(user, password, Path.ASSISTED, professional, structure=structure, **details)
    if phone_lost:
        user.phone_verified_at = None
        user.save(update_fields=["phone_verified_at"])
    return password


# --- Phone verification ---------------------------------------------------------------------------


def send_phone_verification(user: User, phone: str, address: str) -> SmsCode:
    """A code to the new number; it becomes the account's number once the code comes back.

    Raises TooManyRequests and SmsDeliveryError.
    """
    if not (
        ratelimit.hit(ratelimit.SMS_PER_ADDRESS, address)
        and ratelimit.hit(ratelimit.SMS_PER_NUMBER, phone)
        and ratelimit.hit(ratelimit.SMS_PER_NUMBER_DAY, phone)
    ):
        raise TooManyRequests
    row, digits = _new_sms_code(SmsCode.Purpose.VERIFY_PHONE, user, phone)
    text = functools.partial(_verify_sms_text, digits)
    _send(phone, user, text)
    return row


def _verify_sms_text(digits: str) -> str:
    return gettext(
        "Coffre: your code to confirm this phone number is %(code)s. It works for %(minutes)d "
        "minutes."
    ) % {"code": digits, "minutes": _minutes()}


def confirm_phone(row: SmsCode) -> None:
    """The code came back: this number is the account's, proved now."""
    user = row.user
    assert user is not None
    previous = verified_phone(user)
    with transaction.atomic():
        user.phone = row.phone
        user.phone_verified_at = timezone.now()
        user.save(update_fields=["phone", "phone_verified_at"])
        vault = _vault(user)
        if vault is not None:
            vault.phone = row.phone
            vault.save(update_fields=["phone"])
            record(vault, user, JournalEntry.Action.PHONE_VERIFIED, phone=lib.phone_hint(row.phone))
    if previous and previous != row.phone:
        # The old number hears about it: a stolen session cannot move recovery silently.
        try:
            _send(previous, user, _phone_changed_text)
        except (SmsDeliveryError, ValidationError):
            logger.warning("phone change notice not delivered to user %s", user.pk)


def _phone_changed_text() -> str:
    return gettext(
        "Coffre: the phone number of your account was changed. If it was not you, go to your "
        "structure at once."
    )
