from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import lib


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=_("Your username, or your phone number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )


class SmsCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received by SMS (6 digits)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    def clean_code(self) -> str:
        digits = lib.clean_sms_digits(self.cleaned_data["code"])
        if len(digits) != lib.SMS_DIGITS:
            raise ValidationError(_("The code has 6 digits."), code="digits")
        return digits


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your recovery code (16 letters and digits)"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class NewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's form: both fields, every password validator of the settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("The same password again")


class PasswordAgainForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PhoneForm(PasswordAgainForm):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    field_order = ["phone", "password"]

    def clean_phone(self) -> str:
        return lib.normalise_phone(self.cleaned_data["phone"])


class DocumentSeen(forms.Form):
    """What the professional attests before an assisted reset."""

    DOCUMENTS = [
        ("identity_card", _("National identity card")),
        ("passport", _("Passport")),
        ("residence_permit", _("Residence permit")),
        ("asylum_certificate", _("Asylum application certificate")),
        ("driving_licence", _("Driving licence")),
        ("other_photo_id", _("Other official document with a photo")),
    ]

    document = forms.ChoiceField(
        label=_("Identity document I saw"), choices=[("", "—"), *DOCUMENTS]
    )
    present = forms.BooleanField(
        label=_(
            "The person is in front of me, asks for a new password, and the document is theirs."
        )
    )
    phone_lost = forms.BooleanField(
        label=_("The person no longer has their phone: reset without a code by SMS."),
        required=False,
    )

    def __init__(self, *args: Any, has_phone: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_phone:
            del self.fields["phone_lost"]
