from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Document, Visibility


class DetailsForm(forms.Form):
    title = forms.CharField(label=_("Name"), max_length=200, strip=True)
    # Optional: a form that only renames keeps the kind as it is.
    doc_type = forms.ChoiceField(
        label=_("Kind of paper"), choices=Document.Type.choices, required=False
    )


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Folder name"), max_length=100, strip=True)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices)


class MoveForm(forms.Form):
    folder = forms.UUIDField(label=_("Folder"), required=False)


class UploadOptionsForm(forms.Form):
    folder = forms.UUIDField(required=False)
    visibility = forms.ChoiceField(choices=Visibility.choices, required=False)
    # Several photos sent at once: the pages of one paper (the default), or separate papers.
    together = forms.BooleanField(required=False)


NO_NOTICE = "none"
NOTICE_CHOICES = [
    *[(str(value), label) for value, label in Document.Notice.choices],
    (NO_NOTICE, _("Do not warn me")),
]


class ExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        error_messages={"invalid": _("Write the date like 31/12/2030.")},
    )
    notice = forms.ChoiceField(label=_("Warn me"), choices=NOTICE_CHOICES, required=False)

    def notice_days(self) -> int | None:
        value = self.cleaned_data.get("notice") or str(Document.Notice.THREE_MONTHS)
        return None if value == NO_NOTICE else int(value)


class ConfirmDetailsForm(forms.Form):
    """What the pipeline read (kind of paper, dates), as the person confirms or corrects it."""

    doc_type = forms.ChoiceField(label=_("Kind of paper"), choices=Document.Type.choices)
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        error_messages={"invalid": _("Write the date like 31/12/2030.")},
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        error_messages={"invalid": _("Write the date like 31/12/2020.")},
    )
