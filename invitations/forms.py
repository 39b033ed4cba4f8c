from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Invitation


class InviteForm(forms.ModelForm):  # type: ignore[type-arg]
    """A structure administrator invites a colleague (the staff's admin form is the same)."""

    class Meta:
        model = Invitation
        fields = ["first_name", "last_name", "email", "role"]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("Work email"),
            "role": _("Role"),
        }
        help_texts = {"email": _("The invitation link is sent there.")}


class AcceptForm(forms.Form):
    """The invited person chooses a username and a password (the project's rules apply)."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("What you will type to log in. Letters, digits and . - _ only."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters. A short sentence is easy to remember and hard to guess."
        ),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, invitation: Invitation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken. Choose another one."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are different. Type them again."))
        elif password1:
            # The rules see who the password is for (it must not look like their name).
            future = User(
                username=data.get("username") or "",
                email=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
            )
            try:
                password_validation.validate_password(password1, future)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
