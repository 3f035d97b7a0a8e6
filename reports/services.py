"""Writes: rendering reports and running the batch job (年底考核报告批量生成)."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.audit import audit_record
from branches.models import Level, Organization, OrgStatus
from branches.policy import Action, allows, person, require

from . import charts, pdf, selectors
from .models import BatchStatus, FileStatus, ReportBatch, ReportFile, TownshipArchive

STALE_AFTER = timedelta(minutes=getattr(settings, "REPORTS_STALE_MINUTES", 10))


class SystemUser:
    """The batch job and the shell render as the department: the whole tree is in scope."""

    is_authenticated = True
    is_superuser = True
    is_staff = False
    pk = None


def unit_report_pdf(*, user, org: Organization, year: int) -> bytes:
    """One unit's year-end report as PDF bytes (query + HTML + PDF)."""
    ctx = selectors.unit_report(user=user, org=org, year=year)
    ctx["charts"] = charts.unit_charts(ctx)
    return pdf.render_pdf("reports/pdf/unit_report.html", ctx)


def summary_pdf(*, user, org: Organization, year: int) -> bytes:
    """The city (or township) summary report as PDF bytes."""
    ctx = selectors.city_summary(user=user, org=org, year=year)
    ctx["charts"] = charts.dashboard_charts(ctx)
    return pdf.render_pdf("reports/pdf/city_summary.html", ctx)


def can_run_batch(user, org: Organization) -> bool:
    """The department runs batches for the city; a township secretary for their township."""
    return allows(user, Action.RUN_REPORTS, org)


@transaction.atomic
def batch_start(*, actor, org: Organization, year: int, chunk_size: int = 10) -> ReportBatch:
    """Create the batch and one pending file per active unit under ``org``; enqueue on commit."""
    require(actor, Action.RUN_REPORTS, org)
    batch = ReportBatch(year=year, organization=org, created_by=person(actor), chunk_size=chunk_size)
    batch.full_clean()
    batch.save()
    units = Organization.objects.filter(
        path__startswith=org.path, level=Level.UNIT, status=OrgStatus.ACTIVE
    ).values_list("pk", "township_id")
    ReportFile.objects.bulk_create(
        [ReportFile(batch=batch, organization_id=pk, township_id=t) for pk, t in units], batch_size=1000
    )
    batch.total = ReportFile.objects.filter(batch=batch).count()
    batch.save(update_fields=["total"])
    audit_record(actor=actor, action="report_batch_start", obj=batch, organization=org,
                 changes={"year": [None, year], "total": [None, batch.total]})  # fmt: skip
    transaction.on_commit(lambda: enqueue_pending(batch_id=batch.pk))
    return batch


def enqueue_pending(*, batch_id: int) -> int:
    """Send the batch's unfinished files to the workers in chunks (safe to call again: resume)."""
    from .tasks import render_chunk

    batch = ReportBatch.objects.get(pk=batch_id)
    ids = list(
        ReportFile.objects.filter(batch_id=batch_id, status__in=[FileStatus.PENDING, FileStatus.FAILED])
        .order_by("township_id", "id")
        .values_list("pk", flat=True)
    )
    if not ids:
        finish_if_complete(batch_id=batch_id)
        return 0
    ReportBatch.objects.filter(
        pk=batch_id, status__in=[BatchStatus.QUEUED, BatchStatus.FAILED, BatchStatus.DONE]
    ).update(status=BatchStatus.RUNNING, finished_at=None)
    n = batch.chunk_size or 10
    for i in range(0, len(ids), n):
        render_chunk.delay(batch_id, ids[i : i + n])
    return len(ids)


def render_file(*, file_id: int) -> bool:
    """Render one unit's report unless already done (idempotent). Returns whether it rendered."""
    claimed = ReportFile.objects.filter(
        Q(status__in=[FileStatus.PENDING, FileStatus.FAILED])
        | Q(status=FileStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER),
        pk=file_id,
    ).update(status=FileStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return False
    rf = ReportFile.objects.select_related("organization__township", "batch").get(pk=file_id)
    t0 = time.perf_counter()
    try:
        data = unit_report_pdf(user=SystemUser(), org=rf.organization, year=rf.batch.year)
    except Exception as e:  # noqa: BLE001 — one unit's failure must not stop the batch
        ReportFile.objects.filter(pk=file_id).update(
            status=FileStatus.FAILED, error=str(e)[:300], attempts=rf.attempts + 1, finished_at=timezone.now()
        )
        return False
    if rf.file:
        rf.file.delete(save=False)
    rf.file.save(f"{rf.batch.year}-{rf.organization.code}.pdf", ContentFile(data), save=False)
    rf.status = FileStatus.DONE
    rf.error = ""
    rf.attempts += 1
    rf.seconds = round(time.perf_counter() - t0, 3)
    rf.finished_at = timezone.now()
    rf.save(update_fields=["file", "status", "error", "attempts", "seconds", "finished_at"])
    return True


def batch_progress(batch: ReportBatch) -> dict:
    counts = dict(
        ReportFile.objects.filter(batch=batch)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    done = counts.get(FileStatus.DONE, 0)
    failed = counts.get(FileStatus.FAILED, 0)
    total = batch.total or 0
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "running": counts.get(FileStatus.RUNNING, 0),
        "pending": counts.get(FileStatus.PENDING, 0),
        "percent": int(100 * (done + failed) / total) if total else 100,
        "status": batch.status,
        "status_display": batch.get_status_display(),
    }


def finish_if_complete(*, batch_id: int) -> bool:
    """When no file is pending or running, zip per township (once) and close the batch."""
    with transaction.atomic():
        batch = ReportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status in (BatchStatus.ZIPPING, BatchStatus.DONE):
            return False
        if ReportFile.objects.filter(
            batch=batch, status__in=[FileStatus.PENDING, FileStatus.RUNNING]
        ).exists():
            return False
        batch.status = BatchStatus.ZIPPING
        batch.save(update_fields=["status"])
    build_archives(batch_id=batch_id)
    failed = ReportFile.objects.filter(batch_id=batch_id, status=FileStatus.FAILED).exists()
    ReportBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.FAILED if failed else BatchStatus.DONE, finished_at=timezone.now()
    )
    return True


def build_archives(*, batch_id: int) -> int:
    """One zip per township of the batch's finished PDFs (rebuilt from scratch: idempotent)."""
    batch = ReportBatch.objects.get(pk=batch_id)
    files = (
        ReportFile.objects.filter(batch_id=batch_id, status=FileStatus.DONE)
        .select_related("organization", "township")
        .order_by("township__path", "organization__path")
    )
    groups: dict[int, list[ReportFile]] = {}
    for f in files:
        groups.setdefault(f.township_id or batch.organization_id, []).append(f)
    TownshipArchive.objects.filter(batch_id=batch_id).delete()
    for town_id, items in groups.items():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
            for f in items:
                with f.file.open("rb") as fh:
                    zf.writestr(f"{f.organization.code}-{f.organization.name}.pdf", fh.read())
        arc = TownshipArchive(batch_id=batch_id, organization_id=town_id, count=len(items), size=buf.tell())
        arc.file.save(f"{batch.year}-batch{batch_id}-{town_id}.zip", ContentFile(buf.getvalue()), save=False)
        arc.save()
    return len(groups)


def sweep_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Re-enqueue batches whose workers died: files stuck in "running" are reset to pending."""
    cutoff = timezone.now() - older_than
    stale = ReportFile.objects.filter(status=FileStatus.RUNNING, started_at__lt=cutoff)
    batch_ids = set(stale.values_list("batch_id", flat=True))
    stale.update(status=FileStatus.PENDING)
    batch_ids |= set(
        ReportBatch.objects.filter(status=BatchStatus.RUNNING, created_at__lt=cutoff)
        .filter(files__status=FileStatus.PENDING)
        .values_list("pk", flat=True)
    )
    for bid in batch_ids:
        transaction.on_commit(lambda bid=bid: enqueue_pending(batch_id=bid))
    return len(batch_ids)


def batch_resume(*, actor, batch: ReportBatch) -> int:
    """Re-run the unfinished and failed files of a batch."""
    require(actor, Action.RUN_REPORTS, batch.organization)
    ReportFile.objects.filter(batch=batch, status=FileStatus.RUNNING).update(status=FileStatus.PENDING)
    audit_record(actor=actor, action="report_batch_resume", obj=batch, organization=batch.organization)
    return enqueue_pending(batch_id=batch.pk)
