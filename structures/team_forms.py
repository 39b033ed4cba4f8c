from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Membership


class MemberAddForm(forms.Form):
    """Add a colleague who already has a professional account, by their username."""

    username = forms.CharField(label=_("Their username"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "existing")
        super().__init__(*args, **kwargs)

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        # One answer for "no such name" and "not a professional": the form tells nobody
        # which usernames beneficiaries have.
        if (
            user is None
            or user.kind != User.Kind.PROFESSIONAL
            or user.is_staff
            or user.is_superuser
        ):
            raise forms.ValidationError(
                _(
                    "There is no professional account with this username. New colleague? "
                    "Invite them by email."
                )
            )
        return user
