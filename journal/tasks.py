from django_tasks import task

from .chain import purge_expired


@task()
def purge_journal() -> int:
    """Scheduled daily (see coffre/schedule.py)."""
    return purge_expired()
