"""Housekeeping of the task queue itself."""

from django.core.management import call_command
from django_tasks import task


@task()
def prune_task_results() -> None:
    """Finished task rows pile up (a reminder sweep every 5 minutes): keep two weeks."""
    call_command("prune_db_task_results", "--min-age-days", "14", verbosity=0)
