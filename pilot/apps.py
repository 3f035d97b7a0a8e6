from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotConfig(AppConfig):
    name = "pilot"
    verbose_name = _("试点推进")

    def ready(self):
        from .evidence import harden_pillow

        harden_pillow()
