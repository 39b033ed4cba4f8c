from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or with a *verified* phone number (issue 4 §3): many people we
    serve forget usernames but know their number. An ambiguous or unverified number matches
    nobody, and the password check then runs as for an unknown name (same time, same answer)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        from recovery.lib import looks_like_phone, normalise_phone

        if username and looks_like_phone(username):
            try:
                phone = normalise_phone(username)
            except ValidationError:
                phone = ""
            if phone:
                owners = list(
                    User.objects.filter(
                        phone=phone,
                        phone_verified_at__isnull=False,
                        kind=User.Kind.BENEFICIARY,
                        is_active=True,
                    ).values_list("username", flat=True)[:2]
                )
                if len(owners) == 1:
                    username = owners[0]
        return super().authenticate(request, username=username, password=password, **kwargs)
