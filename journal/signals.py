"""Logins, logouts and failed logins go to the journal (issue 3 §4).

A beneficiary's own events go to their chain, so they see attempts on their account; everyone
else's go to the platform chain. Unknown usernames are not stored (they are often passwords
typed in the wrong box): only the fact and the address.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import Beneficiary, User
from accounts.signals import account_locked

from .chain import record
from .models import JournalEntry


def _client_ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


def _vault_of(user: User) -> Beneficiary | None:
    if user.kind != User.Kind.BENEFICIARY:
        return None
    return Beneficiary.objects.filter(user=user).first()


@receiver(user_logged_in)
def journal_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(_vault_of(user), user, JournalEntry.Action.LOGGED_IN, ip=_client_ip(request))


@receiver(user_logged_out)
def journal_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        record(_vault_of(user), user, JournalEntry.Action.LOGGED_OUT, ip=_client_ip(request))


@receiver(account_locked)
def journal_lock(sender: Any, username: str, request: HttpRequest | None, **kwargs: Any) -> None:
    user = User.objects.filter(username=username).first()
    vault = _vault_of(user) if user else None
    account = user.username if user else ""  # unknown names are not stored, as above
    record(vault, None, JournalEntry.Action.ACCOUNT_LOCKED, ip=_client_ip(request), account=account)


@receiver(user_login_failed)
def journal_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    user = User.objects.filter(username=credentials.get("username", "")).first()
    ip = _client_ip(request)
    if user is None:
        record(None, None, JournalEntry.Action.LOGIN_FAILED, ip=ip, account="")
    else:
        # The actor is unknown: whoever typed the wrong password may not be the account holder.
        record(
            _vault_of(user), None, JournalEntry.Action.LOGIN_FAILED, ip=ip, account=user.username
        )
