"""Writes: rendering reports and running the batch job (年底考核报告批量生成)."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.audit import audit_record
from branches.models import Level, Organization, OrgStatus
from branches.policy import Action, person, require
from config.jobs import enqueue

from . import charts, dashboards, pdf, selectors
from .models import BatchStatus, FileStatus, ReportBatch, ReportFile, TownshipArchive

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=getattr(settings, "REPORTS_STALE_MINUTES", 3))


#: What the batch page shows for a unit whose report could not be rendered (stored translated).
RENDER_FAILED_MESSAGE = gettext_lazy("报告生成出错，请点击“继续”重试；仍失败请联系系统管理员查看日志。")
#: … and for a batch the sweeper stopped sending again (a recurring fault).
GAVE_UP_MESSAGE = gettext_lazy(
    "多次自动重试仍未完成，已停止自动重试；请点击“继续”重试，仍失败请联系系统管理员。"
)


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
    ctx = dashboards.city_summary(user=user, org=org, year=year)
    ctx["charts"] = charts.dashboard_charts(ctx)
    return pdf.render_pdf("reports/pdf/city_summary.html", ctx)


@transaction.atomic
def batch_start(*, actor, org: Organization, year: int, chunk_size: int = 10) -> ReportBatch:
    """Create the batch and one pending file per active unit under ``org``; enqueue on commit."""
    require(actor, Action.RUN_REPORTS, org)
    # One active batch per scope and year: the organization row is locked so two clicks queue
    # up here, full_clean() checks the partial unique constraint, and the constraint itself
    # stops whatever slips past (another process, the admin).
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    batch = ReportBatch(year=year, organization=org, created_by=person(actor), chunk_size=chunk_size)
    batch.full_clean()
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:
        raise ValidationError(_("该范围本年度已有进行中的报告批量生成任务。")) from None
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
        from .tasks import zip_batch

        enqueue(zip_batch, batch_id)  # on the reports queue, never inline in a page request
        return 0
    try:
        with transaction.atomic():
            ReportBatch.objects.filter(
                pk=batch_id, status__in=[BatchStatus.QUEUED, BatchStatus.FAILED, BatchStatus.DONE]
            ).update(status=BatchStatus.RUNNING, finished_at=None, error="")
    except IntegrityError:  # a newer batch of the same scope and year is active: it does the work
        raise ValidationError(_("该范围本年度已有进行中的报告批量生成任务。")) from None
    n = batch.chunk_size or 10
    for i in range(0, len(ids), n):
        if not enqueue(render_chunk, batch_id, ids[i : i + n]):
            break  # the broker is away: the sweeper sends the rest (the batch shows no progress)
    return len(ids)


def render_file(*, file_id: int, task_id: str = "") -> bool:
    """Render one unit's report unless already done (idempotent). Returns whether it rendered.

    A file another worker holds is left alone until it is stale — unless the claim is the same
    Celery message (``task_id``): redelivered because its worker died, or retrying after a
    database fault, it takes the file over at once. A database fault hands the file back."""
    mine = Q(status=FileStatus.RUNNING, task_id=task_id) if task_id else Q(pk__in=[])
    claimed = ReportFile.objects.filter(
        Q(status__in=[FileStatus.PENDING, FileStatus.FAILED])
        | Q(status=FileStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER)
        | mine,
        pk=file_id,
    ).update(status=FileStatus.RUNNING, started_at=timezone.now(), task_id=task_id)
    if not claimed:
        return False
    try:
        return _render_claimed(file_id)
    except Exception as e:
        from assessments.scoring import is_transient

        if is_transient(e):  # the database, not the unit: hand the file back, the task retries
            _hand_back(file_id)
        raise


def _hand_back(file_id: int) -> None:
    from assessments.scoring import TRANSIENT_DB_ERRORS

    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # a dead connection: the next query reconnects
    with contextlib.suppress(*TRANSIENT_DB_ERRORS):  # still away: the retry (same task id) takes it
        ReportFile.objects.filter(pk=file_id, status=FileStatus.RUNNING).update(status=FileStatus.PENDING)


def _render_claimed(file_id: int) -> bool:
    from assessments.scoring import TRANSIENT_DB_ERRORS, is_transient

    rf = ReportFile.objects.select_related("organization__township", "batch").get(pk=file_id)
    t0 = time.perf_counter()
    try:
        data = unit_report_pdf(user=SystemUser(), org=rf.organization, year=rf.batch.year)
    except Exception as e:  # noqa: BLE001 — one unit's failure must not stop the batch
        if is_transient(e):
            raise
        # The technical detail goes to the log only; the page shows a Chinese reason.
        log.exception(
            "report file %s (unit %s, %s): rendering failed", file_id, rf.organization.code, rf.batch.year
        )
        ReportFile.objects.filter(pk=file_id).update(
            status=FileStatus.FAILED, error=RENDER_FAILED_MESSAGE, attempts=rf.attempts + 1,
            finished_at=timezone.now(),
        )  # fmt: skip
        return False
    old = rf.file.name if rf.file else ""
    rf.file.save(f"{rf.batch.year}-{rf.organization.code}.pdf", ContentFile(data), save=False)
    rf.status = FileStatus.DONE
    rf.error = ""
    rf.attempts += 1
    rf.seconds = round(time.perf_counter() - t0, 3)
    rf.finished_at = timezone.now()
    try:
        rf.save(update_fields=["file", "status", "error", "attempts", "seconds", "finished_at"])
    except TRANSIENT_DB_ERRORS:
        rf.file.storage.delete(rf.file.name)  # not recorded: no orphan PDF left behind
        raise
    if old:
        rf.file.storage.delete(old)
    ReportBatch.objects.filter(pk=rf.batch_id, sweeps__gt=0).update(sweeps=0)  # progress
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


def zip_stale_after() -> timedelta:
    """A zipping batch whose heartbeat (one per township zip written) is older than this is
    considered abandoned: its zipper died, and the sweeper or 继续 takes it over."""
    return timedelta(seconds=getattr(settings, "REPORTS_ZIP_STALE_SECONDS", 180))


class ZipLeaseLost(Exception):
    """Another zipper took the batch over (ours was considered dead); stop quietly."""


def finish_if_complete(*, batch_id: int, task_id: str = "") -> bool:
    """When no file is pending or running, zip per township and close the batch: always 已完成
    or 部分失败, never left 打包中. Zipping is claimed under a row lock with a lease; a zipper
    that died is taken over once its heartbeat is stale, or at once by the same Celery message
    redelivered (``task_id``)."""
    lease = uuid.uuid4().hex
    with transaction.atomic():
        batch = ReportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == BatchStatus.DONE:
            return False
        if batch.status == BatchStatus.ZIPPING:
            fresh = batch.zipping_at and timezone.now() - batch.zipping_at < zip_stale_after()
            redelivered = bool(task_id) and batch.zip_task_id == task_id
            if fresh and not redelivered:
                return False  # another worker is zipping
        if ReportFile.objects.filter(
            batch=batch, status__in=[FileStatus.PENDING, FileStatus.RUNNING]
        ).exists():
            return False
        ReportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.ZIPPING,
            zipping_at=timezone.now(),
            zip_lease=lease,
            zip_task_id=task_id,
            error="",
        )
    try:
        build_archives(batch_id=batch_id, lease=lease)
    except ZipLeaseLost:
        log.warning("report batch %s: zip lease lost, another worker continues", batch_id)
        return False
    except Exception as e:
        from assessments.scoring import is_transient

        if is_transient(e):
            # the database went away: the batch stays 打包中 with a heartbeat that goes stale,
            # and the sweeper zips it again
            log.warning("report batch %s: database fault while zipping: %s", batch_id, e)
            raise
        log.exception("report batch %s: zipping failed", batch_id)
        ReportBatch.objects.filter(pk=batch_id, zip_lease=lease).update(
            status=BatchStatus.FAILED, finished_at=timezone.now(), zip_lease="", zipping_at=None,
            error=_("打包失败，请点击“继续”重新打包；仍失败请联系系统管理员。"),
        )  # fmt: skip
        return True
    failed = ReportFile.objects.filter(batch_id=batch_id, status=FileStatus.FAILED).count()
    ReportBatch.objects.filter(pk=batch_id, zip_lease=lease).update(
        status=BatchStatus.FAILED if failed else BatchStatus.DONE,
        finished_at=timezone.now(),
        zip_lease="",
        zipping_at=None,
        error=_("%(n)s 份报告未能生成，请点击“继续”重新生成。") % {"n": failed} if failed else "",
    )
    return True


def _zip_heartbeat(batch_id: int, lease: str) -> None:
    if not ReportBatch.objects.filter(pk=batch_id, zip_lease=lease, status=BatchStatus.ZIPPING).update(
        zipping_at=timezone.now()
    ):
        raise ZipLeaseLost


def build_archives(*, batch_id: int, lease: str = "") -> int:
    """One zip per township of the batch's finished PDFs (rebuilt from scratch: idempotent).

    Each zip is written to a temporary file (never the whole archive in memory). A PDF that went
    missing from storage since it was rendered marks its file 失败 (继续 renders it again) instead
    of stopping the batch; the others are zipped."""
    batch = ReportBatch.objects.get(pk=batch_id)
    files = (
        ReportFile.objects.filter(batch_id=batch_id, status=FileStatus.DONE)
        .select_related("organization", "township")
        .order_by("township__path", "organization__path")
    )
    groups: dict[int, list[ReportFile]] = {}
    for f in files:
        groups.setdefault(f.township_id or batch.organization_id, []).append(f)
    old = list(TownshipArchive.objects.filter(batch_id=batch_id))
    for arc in old:
        arc.file.delete(save=False)
    TownshipArchive.objects.filter(pk__in=[a.pk for a in old]).delete()
    written = 0
    delay = float(getattr(settings, "REPORTS_ZIP_DELAY", 0) or 0)
    for town_id, items in groups.items():
        if lease:
            _zip_heartbeat(batch_id, lease)
        if delay:
            time.sleep(delay)  # tests only: room to kill a worker while it zips
        missing = []
        with tempfile.TemporaryFile() as tmp:
            count = 0
            with zipfile.ZipFile(
                tmp, "w", compression=zipfile.ZIP_STORED
            ) as zf:  # PDFs are compressed already
                for f in items:
                    try:
                        fh = f.file.open("rb")
                    except (FileNotFoundError, ValueError):
                        missing.append(f.pk)
                        continue
                    with fh, zf.open(f"{f.organization.code}-{f.organization.name}.pdf", "w") as out:
                        shutil.copyfileobj(fh, out, 1 << 20)
                    count += 1
            if missing:
                log.warning("report batch %s: %d rendered PDFs missing from storage", batch_id, len(missing))
                ReportFile.objects.filter(pk__in=missing).update(
                    status=FileStatus.FAILED, file="", error=_("PDF 文件丢失，请点击“继续”重新生成。")
                )
            if not count:
                continue
            size = tmp.tell()
            tmp.seek(0)
            arc = TownshipArchive(batch_id=batch_id, organization_id=town_id, count=count, size=size)
            arc.file.save(f"{batch.year}-batch{batch_id}-{town_id}.zip", File(tmp), save=False)
            arc.save()
            written += 1
    if lease:
        _zip_heartbeat(batch_id, lease)
    return written


def sweep_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Re-enqueue batches whose workers died or whose messages were lost: files stuck in
    "running" go back to pending; a running batch that made no progress for ``older_than`` (a
    lost message, the broker down when it was started) and a queued one that never started are
    sent again; a batch whose last file is done but was never zipped, and one whose zipper died
    (stale heartbeat), are zipped. Returns how many batches it sent."""
    from .tasks import zip_batch

    now = timezone.now()
    cutoff = now - older_than
    stale = ReportFile.objects.filter(status=FileStatus.RUNNING, started_at__lt=cutoff)
    batch_ids = set(stale.values_list("batch_id", flat=True))
    stale.update(status=FileStatus.PENDING)
    recent = ReportFile.objects.filter(batch=OuterRef("pk")).filter(
        Q(started_at__gte=cutoff) | Q(finished_at__gte=cutoff)
    )
    unfinished = ReportFile.objects.filter(
        batch=OuterRef("pk"), status__in=[FileStatus.PENDING, FileStatus.RUNNING]
    )
    idle = ReportBatch.objects.filter(
        status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING], created_at__lt=cutoff
    ).exclude(Exists(recent))
    # While reports are being rendered anywhere, an idle batch is waiting its turn on the reports
    # queue, not lost: sending its files again would only pile duplicates behind the others.
    moving = ReportFile.objects.filter(Q(started_at__gte=cutoff) | Q(finished_at__gte=cutoff)).exists()
    if not moving:
        batch_ids |= set(idle.filter(Exists(unfinished)).values_list("pk", flat=True))
    to_zip = set(idle.exclude(Exists(unfinished)).values_list("pk", flat=True))
    to_zip |= set(
        ReportBatch.objects.filter(status=BatchStatus.ZIPPING)
        .filter(Q(zipping_at__lt=now - zip_stale_after()) | Q(zipping_at__isnull=True))
        .values_list("pk", flat=True)
    )
    # A fault that keeps coming back (each sweep sends the batch, nothing moves) is not retried
    # forever: after REPORTS_MAX_SWEEPS sweeps without a file rendered the batch ends 部分失败
    # with a Chinese reason, and 继续 is the retry button.
    # A sweep counts only while no report anywhere is moving (a job waiting its turn is no fault).
    given_up = set() if moving else set(
        ReportBatch.objects.filter(pk__in=batch_ids | to_zip, sweeps__gte=max_sweeps())
        .exclude(status__in=[BatchStatus.DONE, BatchStatus.FAILED])
        .values_list("pk", flat=True)
    )  # fmt: skip
    if given_up:
        log.error("report batches %s: %s sweeps without progress; failed", sorted(given_up), max_sweeps())
        ReportBatch.objects.filter(pk__in=given_up).update(
            status=BatchStatus.FAILED, finished_at=now, zip_lease="", zipping_at=None, error=GAVE_UP_MESSAGE
        )
    batch_ids, to_zip = batch_ids - given_up, to_zip - given_up
    if not moving:
        ReportBatch.objects.filter(pk__in=batch_ids | to_zip).update(sweeps=F("sweeps") + 1)
    for bid in batch_ids - to_zip:
        transaction.on_commit(lambda bid=bid: enqueue_pending(batch_id=bid))
    for bid in to_zip:
        transaction.on_commit(lambda bid=bid: enqueue(zip_batch, bid))
    return len(batch_ids | to_zip)


def max_sweeps() -> int:
    return int(getattr(settings, "REPORTS_MAX_SWEEPS", 5))


def batch_resume(*, actor, batch: ReportBatch) -> int:
    """继续: re-run the unfinished and failed files of a batch, or zip it again when every file
    is rendered (a zipper that died, a zip that failed). Returns how many files were sent."""
    require(actor, Action.RUN_REPORTS, batch.organization)
    ReportFile.objects.filter(batch=batch, status=FileStatus.RUNNING).update(status=FileStatus.PENDING)
    ReportBatch.objects.filter(pk=batch.pk).update(sweeps=0)
    audit_record(actor=actor, action="report_batch_resume", obj=batch, organization=batch.organization)
    return enqueue_pending(batch_id=batch.pk)
