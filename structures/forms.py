import datetime
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User

from .services import PasswordMode


class BeneficiaryCreateForm(forms.Form):
    """Everything needed to open an account at the desk, on one screen."""

    # The professional's browser must not fill in the professional's own name or number.
    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("To get codes by text message. E.g. 06 12 34 56 78 or +32 470 12 34 56."),
    )
    preferred_language = forms.ChoiceField(
        label=_("The person's language"),
        choices=[(code, name) for code, name in settings.LANGUAGES],
        help_text=_("Their pages and their member card will be in this language."),
    )
    password_mode = forms.ChoiceField(
        label=_("Password"),
        choices=PasswordMode.choices,
        initial=PasswordMode.TYPED,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Password chosen by the person"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. A short sentence is easy to remember."),
    )
    default_visibility = forms.ChoiceField(
        label=_("Who sees the papers the person adds?"),
        choices=[
            (
                Beneficiary.Visibility.PRIVATE,
                _("The person only (they can share each paper later)"),
            ),
            (
                Beneficiary.Visibility.SHARED,
                _("The person and the social workers of their structures"),
            ),
        ],
        initial=Beneficiary.Visibility.SHARED,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_(
            "The person accepts the terms of use and agrees that this structure sees the papers "
            "they share."
        ),
        error_messages={
            "required": _(
                "The account can only be opened if the person accepts the terms of use and "
                "the sharing with this structure."
            )
        },
    )

    def clean_birth_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        if value.year < 1900:
            raise forms.ValidationError(_("Check the birth date: the year looks wrong."))
        return value

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password_mode") == PasswordMode.TYPED:
            password = data.get("password") or ""
            if not password:
                self.add_error(
                    "password",
                    _("The person types a password here, or choose a one-time password."),
                )
            else:
                # Not their own name as a password: the similarity check needs a user.
                someone = User(
                    first_name=data.get("first_name", ""), last_name=data.get("last_name", "")
                )
                try:
                    password_validation.validate_password(password, someone)
                except forms.ValidationError as error:
                    self.add_error("password", error)
        return data

    def identity(self) -> tuple[str, str, datetime.date] | None:
        """(first name, last name, birth date) once these three are valid, even if the rest is
        not: enough to look for an existing account."""
        data = getattr(self, "cleaned_data", {})
        if all(data.get(name) for name in ("first_name", "last_name", "birth_date")):
            return data["first_name"], data["last_name"], data["birth_date"]
        return None


NOT_A_PHONE = _(
    "This is not a valid phone number. Type it as you would dial it, e.g. 06 12 34 56 78, or "
    "in international form, e.g. +33612345678."
)
NOT_A_MOBILE = _("This number cannot receive text messages. Give a mobile number.")
MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
PHONE_REGION = "FR"  # numbers typed without a country code are French


def normalise_phone(text: str) -> str:
    """'06 12 34 56 78' -> '+33612345678' (E.164); French numbers need no country code."""
    text = text.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(NOT_A_PHONE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(NOT_A_PHONE, code="invalid_phone")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise forms.ValidationError(NOT_A_MOBILE, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or birth date"), required=False, max_length=100)
