"""Pure helpers for recovery: codes and phone numbers (no database access here)."""

import re
import secrets

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

# Letters and digits nobody confuses when reading a paper aloud: no 0/O, 1/I/L, 5/S, 8/B, 2/Z.
RECOVERY_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
RECOVERY_GROUPS, RECOVERY_GROUP_SIZE = 4, 4  # 25^16 ≈ 2^74

SMS_DIGITS = 6
DEFAULT_REGION = "FR"


def new_recovery_code() -> str:
    """'7KQX-3MRT-AC9P-WFHE': four groups of four, easy to copy by hand."""
    groups = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_SIZE))
        for _ in range(RECOVERY_GROUPS)
    )
    return "-".join(groups)


def normalise_recovery_code(text: str) -> str:
    """What the person typed, as printed: case, spaces and dashes do not matter."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def new_sms_digits() -> str:
    return f"{secrets.randbelow(10**SMS_DIGITS):0{SMS_DIGITS}d}"


def sms_digits_hash(code_id: object, digits: str) -> str:
    """Keyed hash of an SMS code, bound to its row (a hash copied to another row is useless)."""
    return salted_hmac("coffre.recovery.sms", f"{code_id}:{digits}", algorithm="sha256").hexdigest()


def sms_digits_match(code_id: object, digits: str, expected_hash: str) -> bool:
    return constant_time_compare(sms_digits_hash(code_id, digits), expected_hash)


def clean_sms_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# A one-time password handed over at the desk: read aloud and typed once on a phone, then
# replaced. Lower case and digits without look-alikes, in three groups: 25^12 ≈ 2^55.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_one_time_password() -> str:
    return "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """'06 12 34 56 78' -> '+33612345678'; ValidationError for anything that is not a valid
    mobile or fixed number (a code must never go to a guessed number)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a phone number."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a phone number."), code="invalid_phone")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("This number cannot receive text messages. Give a mobile number."),
            code="not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """True if what was typed on the recovery page is a phone number rather than a username."""
    return bool(re.fullmatch(r"[+\d][\d .\-()]{5,}", text.strip()))


def phone_hint(phone: str) -> str:
    """'+33612345678' -> '•• •• •• 78': enough for the person to recognise their number."""
    return "•• •• •• " + phone[-2:] if len(phone) >= 4 else ""
