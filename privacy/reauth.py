"""Asking for the password again before a sensitive step (export, account deletion).

A correct password marks the session for ``REAUTH_MAX_AGE`` seconds: long enough to retry a
download that failed on a weak connection, short enough that a phone left unlocked later is not
enough. Wrong passwords go through ``authenticate`` like a login: journaled the same way.
"""

import time

from django.contrib.auth import authenticate
from django.http import HttpRequest

SESSION_KEY = "privacy:reauthenticated_at"
REAUTH_MAX_AGE = 5 * 60  # seconds


def confirm_password(request: HttpRequest, password: str) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        request.session.pop(SESSION_KEY, None)
        return False
    request.session[SESSION_KEY] = time.time()
    return True


def recently_confirmed(request: HttpRequest, max_age: int = REAUTH_MAX_AGE) -> bool:
    stamp = request.session.get(SESSION_KEY)
    return isinstance(stamp, int | float) and 0 <= time.time() - stamp <= max_age
