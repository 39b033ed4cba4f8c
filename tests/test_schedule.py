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
