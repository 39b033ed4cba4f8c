from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task


@task()
def clear_expired_sessions() -> int:
    """Scheduled daily (coffre/schedule.py): drop the stored sessions past their expiry, as
    ``manage.py clearsessions`` would. Returns how many were deleted."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
