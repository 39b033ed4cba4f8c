from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """What a view behind ``login_required`` receives (typing only)."""

    user: User
