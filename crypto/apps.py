from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CryptoConfig(AppConfig):
    name = "crypto"
    verbose_name = _("Encryption")

    def ready(self) -> None:
        from . import checks, keys  # noqa: F401  (registers checks and signal receivers)
