"""Session life cycle: timeouts, and ending every session of a person ("log out everywhere").

- ``end_all_sessions(user)`` ends every session the person has, on every device, at once. Call it
  whenever a password is reset by someone else or recovered (recovery app), when the second
  factor is reset, and from the "log out everywhere" button. It works with any session backend:
  each user carries a ``session_salt`` that enters the session hash Django checks on every
  request (``User._get_session_auth_hash``); a new salt makes every existing session invalid.
  Pass ``keep=request`` to keep the session of the request that asked (it gets the new hash).
- ``SessionTimeoutMiddleware`` logs out a session left idle too long (30 minutes for
  professionals and staff, 2 hours for beneficiaries: ``COFFRE_SESSION_IDLE_SECONDS_*``) or
  open too long whatever the activity (``COFFRE_SESSION_MAX_SECONDS``, 12 hours).

Django gives a new session id at every login (``django.contrib.auth.login`` cycles the key);
``accounts/tests/test_sessions.py`` checks it.
"""

import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import User

STARTED_KEY = "coffre:session_started"
SEEN_KEY = "coffre:session_seen"
# The last-seen time is written at most this often: not one session write per request.
SEEN_RESOLUTION = 60  # seconds


def end_all_sessions(user: User, keep: HttpRequest | None = None) -> None:
    """End every session of ``user`` on every device (the caller journals why).

    ``keep``: the request of a session of this same user that must stay open (e.g. the person
    who just chose a new password); every other session ends.
    """
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    if keep is not None and getattr(keep.user, "pk", None) == user.pk:
        update_session_auth_hash(keep, user)


def idle_limit(user: User) -> int:
    """Seconds of inactivity after which the session of ``user`` ends."""
    if user.kind == User.Kind.BENEFICIARY and not (user.is_staff or user.is_superuser):
        return int(settings.COFFRE_SESSION_IDLE_SECONDS_BENEFICIARY)
    return int(settings.COFFRE_SESSION_IDLE_SECONDS_PROFESSIONAL)


@receiver(user_logged_in)
def start_session_clock(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """Ends sessions idle for too long, or open for too long; stamps the others as seen.

    Placed after the authentication and message middlewares. A session without a start time
    (opened before this rule existed) is treated as expired.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            expired = _expired(request, user, now)  # type: ignore[arg-type]
            if expired is not None:
                logout(request)
                messages.info(
                    request,
                    _("You were logged out after a while without activity. Log in again.")
                    if expired == "idle"
                    else _("For your safety, please log in again."),
                )
            elif now - request.session[SEEN_KEY] >= SEEN_RESOLUTION:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


def _expired(request: HttpRequest, user: User, now: float) -> str | None:
    """Why the session must end ("idle", "absolute"), or None."""
    started = request.session.get(STARTED_KEY)
    seen = request.session.get(SEEN_KEY)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return "absolute"
    if now - started > settings.COFFRE_SESSION_MAX_SECONDS:
        return "absolute"
    if now - seen > idle_limit(user):
        return "idle"
    return None
