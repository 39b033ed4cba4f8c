from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import throttle


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Check both and try again. Lost your password? "
            "Ask your social worker."
        ),
        "inactive": _("This account is closed."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("Username or phone number")
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        )
        self.fields["password"].label = _("Password")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = str(self.request.META.get("REMOTE_ADDR", "")) if self.request else ""
        refused = throttle.refusal(username, address)
        if refused is not None:
            # Checked before the password: a locked name cannot be probed any further.
            raise forms.ValidationError(_refusal_message(refused), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if throttle.record_failure(username, address):
                from .signals import account_locked

                account_locked.send(sender=self.__class__, username=username, request=self.request)
            raise
        throttle.reset(username)
        return cleaned


def _refusal_message(refused: throttle.Refusal) -> str:
    local = timezone.localtime(refused.until)
    when = formats.date_format(local, "TIME_FORMAT")
    if refused.locked:
        if local.date() != timezone.localdate():
            when = formats.date_format(local, "DATETIME_FORMAT")
        return gettext(
            "Too many tries. For your safety, logging in is blocked until %(when)s. "
            "A social worker of your structure can help you get back in now."
        ) % {"when": when}
    seconds = max(1, int((refused.until - timezone.now()).total_seconds()))
    return gettext("Too many tries. Wait %(seconds)d seconds, then try again.") % {
        "seconds": seconds
    }


class OtpCodeForm(forms.Form):
    """One code: 6 digits from the app, or a backup code (``allow_backup``)."""

    code = forms.CharField(label=_("Code"), max_length=20, strip=True)

    def __init__(self, *args: Any, allow_backup: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        if allow_backup:
            self.fields["code"].label = _("Code from the app, or a backup code")
        else:
            self.fields["code"].label = _("The 6-digit code the app shows")
            attrs["inputmode"] = "numeric"
        self.fields["code"].widget.attrs.update(attrs)


class NewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Choose one's own password: twice, with the project's password rules."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("The same password again")
        self.fields["new_password1"].help_text = _(
            "At least 8 characters. A short sentence is easy to remember and hard to guess."
        )
