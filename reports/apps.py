from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("考核报告与看板")

    def ready(self):
        import logging

        from . import checks  # noqa: F401  (registers the system checks)

        # WeasyPrint logs every layout step at INFO; keep worker logs readable.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
