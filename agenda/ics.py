"""iCalendar (RFC 5545) for appointments: one ``.ics`` per appointment, and the whole agenda
for the private subscription link and the export.

Times are written in local time with ``TZID=Europe/Paris`` and the matching VTIMEZONE, so that a
phone in another zone still shows the right hour; each chosen reminder becomes a VALARM (the
"day before at 10:00" ones at that wall-clock moment, the others relative to the start).
"""

import datetime
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from .models import Appointment, Reminder
from .reminders import due_at, local_zone

PRODID = "-//Coffre//Agenda//FR"
MEDIA_TYPE = "text/calendar; charset=utf-8"
RELATIVE = {Reminder.Offset.TWO_HOURS: 2, Reminder.Offset.ONE_HOUR: 1}
REFRESH = datetime.timedelta(hours=1)


def event_for(appointment: Appointment, offsets: Iterable[str]) -> Event:
    zone = local_zone()
    event = Event.new(
        uid=str(appointment.code),
        summary=appointment.title,
        start=appointment.starts_at.astimezone(zone),
        end=appointment.ends_at.astimezone(zone) if appointment.ends_at else None,
        location=appointment.place or None,
        description=description(appointment) or None,
        stamp=appointment.updated_at.astimezone(datetime.UTC),
        created=appointment.created_at.astimezone(datetime.UTC),
        last_modified=appointment.updated_at.astimezone(datetime.UTC),
    )
    for offset in sorted(set(offsets)):
        event.add_component(alarm_for(appointment, offset))
    return event


def description(appointment: Appointment) -> str:
    lines = []
    if appointment.with_whom:
        lines.append(_("With: %(name)s") % {"name": appointment.with_whom})
    if appointment.note:
        lines.append(appointment.note)
    return "\n".join(lines)


def alarm_for(appointment: Appointment, offset: str) -> Alarm:
    alarm = Alarm.new(description=appointment.title)
    alarm.add("action", "DISPLAY")
    hours = RELATIVE.get(Reminder.Offset(offset))
    if hours is not None:
        alarm.add("trigger", datetime.timedelta(hours=-hours))
    else:
        moment = due_at(appointment.starts_at, offset)
        alarm.add("trigger", moment, parameters={"VALUE": "DATE-TIME"})
    return alarm


def calendar_of(
    appointments: Sequence[Appointment], name: str = "Coffre", *, subscription: bool = False
) -> bytes:
    """A VCALENDAR of these appointments (their reminders prefetched, or one query each);
    ``subscription``: the feed a calendar app reads again and again."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(local_zone()))
    if subscription:
        # How often to look again (RFC 7986, and the older property Outlook reads).
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", REFRESH)
    for appointment in appointments:
        offsets = [reminder.offset for reminder in appointment.reminders.all()]
        calendar.add_component(event_for(appointment, offsets))
    if appointments:
        zone = local_zone()
        first = min(a.starts_at for a in appointments).astimezone(zone).date()
        last = max(a.ends_at or a.starts_at for a in appointments).astimezone(zone).date()
        # Only the years the events need, not 1970-2038: a feed read every hour on 3G.
        calendar.add_missing_timezones(
            first_date=first - datetime.timedelta(days=366),
            last_date=last + datetime.timedelta(days=366),
        )
    return bytes(calendar.to_ical())


def file_name(appointment: Appointment) -> str:
    day = appointment.starts_at.astimezone(local_zone()).date().isoformat()
    return f"{day} {appointment.title}.ics"
