"""Password rules (CNIL délibération 2022-100, OWASP ASVS 5 §6.2): length first, no
composition rules, a strength estimate, common passwords refused, passphrases welcome.

The estimate is zxcvbn's: it knows keyboard walks ("azerty"), dates, common words and the
person's own names, and it rewards long passphrases ("le chat dort sur le toit").
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn refuses more than 72 characters; a passphrase that long is strong on its first 72.
ESTIMATE_PREFIX = 72
MAX_LENGTH = 256  # well past 64 (ASVS): long passphrases are welcome


class StrengthValidator:
    """Refuse what zxcvbn scores below ``min_score`` (0–4; 3 = safely unguessable online)."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        inputs = [
            str(value)
            for value in (
                getattr(user, "username", ""),
                getattr(user, "first_name", ""),
                getattr(user, "last_name", ""),
                getattr(user, "email", ""),
            )
            if value
        ]
        result = zxcvbn(password[:ESTIMATE_PREFIX], user_inputs=inputs)
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess. Try a short sentence of a few words, "
                    "for example “the green bike is in the yard”."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("A short sentence of a few words is both strong and easy to remember.")


class MaximumLengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("This password is too long (%(max)d characters at most).") % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Up to %(max)d characters.") % {"max": MAX_LENGTH}
