import contextlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织体系")

    def ready(self):
        from . import checks, home_counts, sheets  # noqa: F401  (system checks register on import)

        home_counts.connect()  # the home page's cached counts go on member and organization writes

        # Django spools large uploads into FILE_UPLOAD_TEMP_DIR, which must exist: our private one.
        with contextlib.suppress(OSError):
            sheets.upload_temp_dir("spool")
