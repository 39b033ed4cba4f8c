"""Plain forms for contacts, appointments, notes and the agenda settings.

Bound forms keep everything typed: a page shown again after an error loses nothing.
"""

import datetime
from typing import Any

import phonenumbers
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault.models import Visibility

from .models import PHONE_REGION, Appointment, Contact, Note, Reminder
from .reminders import DEFAULT_OFFSETS, local_zone

NOT_A_PHONE = _(
    "This is not a valid phone number. Type it as you would dial it, e.g. 01 23 45 67 89 or "
    "06 12 34 56 78, or in international form, e.g. +32 470 12 34 56."
)


def normalise_phone(text: str) -> str:
    """Any valid number to E.164 ('01 23 45 67 89' -> '+33123456789'); a French short number
    (115, 3949) stays as dialled: it has no international form."""
    text = text.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(NOT_A_PHONE, code="invalid_phone") from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_short_number_for_region(number, PHONE_REGION) and not text.startswith(
        "+"
    ):
        return phonenumbers.national_significant_number(number)
    raise forms.ValidationError(NOT_A_PHONE, code="invalid_phone")


def visibility_field(initial: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Who can see it?"),
        choices=[
            (Visibility.PRIVATE, _("Only me")),
            (Visibility.SHARED, _("Me and the social workers of my structures")),
        ],
        initial=initial,
        widget=forms.RadioSelect,
    )


class ItemForm(forms.Form):
    """The fields a kind of item shares; ``with_visibility``: the owner's own new item."""

    model: type[Any]
    fields_saved: tuple[str, ...] = ()

    def __init__(self, *args: Any, with_visibility: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_visibility is not None:
            self.fields["visibility"] = visibility_field(with_visibility)

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {name: getattr(item, name) for name in cls.fields_saved}

    def values(self) -> dict[str, Any]:
        """The model fields to save, from the cleaned data."""
        return {name: self.cleaned_data[name] for name in self.fields_saved}


class ContactForm(ItemForm):
    model = Contact
    fields_saved = ("name", "phone", "email", "organisation", "role", "note")

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("The person or the place, e.g. Dr Martin, CAF, Restos du Cœur."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("E.g. 06 12 34 56 78, 115, or +32 470 12 34 56."),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": _("This is not a valid email address, e.g. name@example.fr.")},
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    role = forms.CharField(
        label=_("Role"),
        max_length=200,
        required=False,
        help_text=_("E.g. social worker, doctor, lawyer."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])


class AppointmentForm(ItemForm):
    model = Appointment
    fields_saved = ("title", "starts_at", "ends_at", "place", "with_whom", "note")

    title = forms.CharField(
        label=_("What"),
        max_length=200,
        help_text=_("E.g. CAF appointment, doctor, court hearing."),
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date of the appointment."),
            "invalid": _("This is not a date. E.g. 25/03/2026."),
        },
    )
    start_time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give the time of the appointment."),
            "invalid": _("This is not a time. E.g. 14:30."),
        },
    )
    end_time = forms.TimeField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("This is not a time. E.g. 15:30.")},
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("An address: your phone can show it on a map."),
    )
    with_whom = forms.CharField(label=_("With whom"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. papers to bring."),
    )
    reminders = forms.MultipleChoiceField(
        label=_("Remind me"),
        choices=Reminder.Offset.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_OFFSETS),
    )

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        zone = local_zone()
        starts = item.starts_at.astimezone(zone)
        ends = item.ends_at.astimezone(zone) if item.ends_at else None
        return {
            "title": item.title,
            "date": starts.date(),
            "start_time": starts.time().replace(second=0, microsecond=0),
            "end_time": ends.time().replace(second=0, microsecond=0) if ends else None,
            "place": item.place,
            "with_whom": item.with_whom,
            "note": item.note,
            "reminders": sorted({reminder.offset for reminder in item.reminders.all()}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day is None or start is None:
            return data
        starts_at = local_datetime(day, start)
        if starts_at is None:
            self.add_error("start_time", _("This time does not exist that day: the clocks change."))
            return data
        data["starts_at"] = starts_at
        data["ends_at"] = None
        if end is not None:
            ends_at = local_datetime(day, end)
            if ends_at is None:
                self.add_error(
                    "end_time", _("This time does not exist that day: the clocks change.")
                )
            elif ends_at <= starts_at:
                self.add_error("end_time", _("The end must be after the start."))
            else:
                data["ends_at"] = ends_at
        return data

    def offsets(self) -> list[str]:
        return list(self.cleaned_data.get("reminders") or [])

    def is_in_the_past(self) -> bool:
        return bool(self.cleaned_data["starts_at"] < timezone.now())


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime | None:
    """The aware moment of a wall-clock time; None for a time skipped when clocks go forward."""
    zone = local_zone()
    moment = datetime.datetime.combine(day, time.replace(second=0, microsecond=0), tzinfo=zone)
    back = moment.astimezone(datetime.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


class NoteForm(ItemForm):
    model = Note
    fields_saved = ("title", "text")

    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write something in the note.")},
    )


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices)


class RemindersForm(forms.Form):
    reminders_on = forms.BooleanField(required=False)
