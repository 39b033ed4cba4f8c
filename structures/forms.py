import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User, phone_validator


class BeneficiaryCreateForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        required=False,
        max_length=16,
        validators=[phone_validator],
        help_text=_("International form, e.g. +33612345678."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[(code, name) for code, name in settings.LANGUAGES]
    )
    password = forms.CharField(
        label=_("Password chosen by the person"),
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
        )
    )

    def clean_birth_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["birth_date"]
        if value > datetime.date.today() or value.year < 1900:
            raise forms.ValidationError(_("Check the birth date."))
        return value

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class MemberAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Temporary password (new accounts only)"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("member", _("Member")), ("admin", _("Administrator"))],
        initial="member",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        username = data.get("username")
        existing = User.objects.filter(username=username).first() if username else None
        if existing is not None and existing.kind != User.Kind.PROFESSIONAL:
            raise forms.ValidationError(
                _("This username belongs to an account that is not a professional one.")
            )
        if existing is None and username:
            if not data.get("password"):
                self.add_error("password", _("Choose a temporary password for the new account."))
            else:
                try:
                    password_validation.validate_password(str(data["password"]))
                except forms.ValidationError as error:
                    self.add_error("password", error)
            if not data.get("first_name") or not data.get("last_name"):
                self.add_error("first_name", _("Give the colleague's first and last name."))
        data["existing"] = existing
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or birth date"), required=False, max_length=100)
