"""Periodic jobs: cron expressions (Europe/Paris) → tasks enqueued on the Django Tasks queue.

The ``scheduler`` command (one process, started by ``make run``) only enqueues; ``db_worker``
processes run the tasks. Each job is idempotent, so a missed or doubled tick does no harm.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    task: str  # dotted path of a django_tasks task
    cron: str  # minute hour day month day_of_week


SCHEDULE = [
    Job("vault.tasks.requeue_stalled_documents", "*/5 * * * *"),  # after a worker crash
    Job("journal.tasks.purge_journal", "15 3 * * *"),
    Job("accounts.tasks.clear_expired_sessions", "30 3 * * *"),
    Job("coffre.tasks.prune_task_results", "45 3 * * *"),
    Job("privacy.tasks.apply_retention", "0 10 * * *"),  # SMS warnings: not at night
    Job("agenda.tasks.send_due_reminders", "*/5 * * * *"),  # appointment reminders, retries
    Job("agenda.tasks.send_expiry_alerts", "0 10 * * *"),  # papers about to expire
]
