"""Background work of the privacy app (Django Tasks API; run by ``manage.py db_worker``)."""

from typing import Any

from django_tasks import task

from . import deletion, retention


@task()
def delete_account(deletion_pk: int) -> bool:
    """Enqueued with ``run_after`` = the end of the grace period. Re-checks the request: a
    cancelled or finished one is left alone, so running it late or twice does no harm."""
    return deletion.carry_out(deletion_pk)


@task()
def apply_retention() -> dict[str, Any]:
    """Daily (coffre/schedule.py): warn, then delete, accounts unused for too long."""
    return retention.apply_retention()
