from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Visibility


class RenameForm(forms.Form):
    title = forms.CharField(label=_("New name"), max_length=200, strip=True)


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Folder name"), max_length=100, strip=True)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices)


class MoveForm(forms.Form):
    folder = forms.UUIDField(label=_("Folder"), required=False)


class UploadOptionsForm(forms.Form):
    folder = forms.UUIDField(required=False)
    visibility = forms.ChoiceField(choices=Visibility.choices, required=False)
