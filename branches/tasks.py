from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task(name="branches.heartbeat")
def heartbeat() -> str:
    """Beat's pulse: proves the scheduler, broker and database are all reachable."""
    with connection.cursor() as c:
        c.execute("SELECT 1")
    return timezone.now().isoformat()


@shared_task(name="branches.ping")
def ping(value: int) -> dict:
    """Round trip used by the worker test: the answer comes from the worker, with its database's count."""
    from .models import Organization

    return {"value": value * 2, "organizations": Organization.objects.count()}


@shared_task(name="branches.sweep_upload_temp")
def sweep_upload_temp() -> int:
    """Temporary uploads a killed worker left behind (previews never confirmed, crashed reads)."""
    from .sheets import sweep_upload_temp as sweep

    return sweep()
