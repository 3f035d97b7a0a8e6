from celery import shared_task
from django.utils import timezone


@shared_task(name="branches.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Beat's pulse (every minute): proves the scheduler, broker, a worker and the database are all
    reachable, and records when — ``/healthz/`` and the beat healthcheck read its age."""
    from .models import Heartbeat

    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": now})
    return now.isoformat()


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
