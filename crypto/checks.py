from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def master_key_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.COFFRE_MASTER_KEY:
        return []
    return [
        Warning(
            "COFFRE_MASTER_KEY is not set: a master key generated under var/ protects every vault.",
            hint="Fine on a laptop. In production set COFFRE_MASTER_KEY (or "
            "COFFRE_MASTER_KEY_FILE) from `manage.py generate_master_key` and keep a copy "
            "apart from database backups.",
            id="coffre.W001",
        )
    ]
