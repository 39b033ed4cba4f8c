from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

from coffre.schedule import SCHEDULE, Job


def enqueue(job: Job) -> None:
    close_old_connections()  # a long-lived process: never reuse a stale connection
    import_string(job.task).enqueue()


class Command(BaseCommand):
    help = "Enqueue the periodic tasks of coffre/schedule.py at their times (runs until stopped)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--list", action="store_true", help="print the schedule and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = BlockingScheduler(timezone=settings.TIME_ZONE)
        for job in SCHEDULE:
            trigger = CronTrigger.from_crontab(job.cron, timezone=settings.TIME_ZONE)
            scheduler.add_job(
                enqueue,
                trigger,
                args=[job],
                id=job.task,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )
            self.stdout.write(f"{job.cron:<15} {job.task}")
        if not options["list"]:
            scheduler.start()
