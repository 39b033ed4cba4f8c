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
