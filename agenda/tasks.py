"""Background work of the agenda (Django Tasks API; enqueued by ``coffre/schedule.py``)."""

from typing import Any

from django_tasks import task

from . import alerts, reminders


@task()
def send_due_reminders() -> dict[str, Any]:
    """Every 5 minutes: appointment reminders that are due, and expiry alerts waiting for a
    retry or for the end of the quiet hours. Each row is sent at most once, so overlapping
    runs and several workers do no harm."""
    return {
        "reminders": reminders.send_due_reminders(),
        "alerts": alerts.send_due_alerts(),
    }


@task()
def send_expiry_alerts() -> dict[str, Any]:
    """Daily at 10:00: an alert for each paper whose notice period has begun, then send them."""
    return alerts.create_and_send()
