from typing import Any

import pytest

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings: Any) -> None:
    """The production task backend (database): tasks wait for their ``run_after``."""
    settings.TASKS = DB_TASKS
