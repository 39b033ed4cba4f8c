import pytest
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django.utils.module_loading import import_string

from coffre.schedule import SCHEDULE


@pytest.mark.parametrize("job", SCHEDULE, ids=lambda job: job.task)
def test_every_job_is_a_task_with_a_valid_cron(job):
    assert callable(import_string(job.task).enqueue)
    CronTrigger.from_crontab(job.cron, timezone="Europe/Paris")


@pytest.mark.django_db
def test_the_scheduler_enqueues_a_job(capsys):
    from coffre.management.commands.scheduler import enqueue

    enqueue(SCHEDULE[0])  # immediate backend in tests: the purge runs
    call_command("scheduler", "--list")
    assert "journal.tasks.purge_journal" in capsys.readouterr().out


@pytest.mark.django_db
def test_finished_task_rows_older_than_two_weeks_are_pruned(settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from coffre.tasks import prune_task_results

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    prune_task_results.enqueue()
    prune_task_results.enqueue()
    old, recent = DBTaskResult.objects.order_by("pk")
    DBTaskResult.objects.filter(pk=old.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=15)
    )
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=13)
    )
    prune_task_results.call()
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.pk]
