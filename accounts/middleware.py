from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """Speak the signed-in person's language; remember the one they pick in the switcher."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen in LANGUAGE_CODES and chosen != user.preferred_language:
                user.preferred_language = chosen
                user.save(update_fields=["preferred_language"])
            elif chosen not in LANGUAGE_CODES and user.preferred_language in LANGUAGE_CODES:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
