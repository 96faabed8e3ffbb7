"""CSV exports of the apps' lists (orders, products): the one way to write a list as CSV.

* Cells are safe to open in a spreadsheet: text starting with ``= + - @``, a tab or a carriage
  return is prefixed with ``'`` (OWASP, "CSV Injection"), so Excel or LibreOffice never run it as
  a formula. Numbers are written as they are (a negative stock stays a number).
* UTF-8 with a byte-order mark, so Excel opens Hebrew (and every other script) correctly.
* Short lists stream row by row (``stream_csv``: the rows come from a server-side cursor, read in
  chunks, so memory stays flat whatever the length). Long ones are written by a worker into
  ``EXPORTS_DIR`` (``write_export_file``) behind a progress bar, for the person who asked only:
  the app keeps a concrete :class:`ExportJob` model, its task and its pages.
"""

import csv
import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import models
from django.http import FileResponse
from django.http import Http404
from django.http import StreamingHttpResponse
from django.utils import timezone

from config.celery import queue_on_commit
from config.db import UUIDModel
from config.db import created_at

logger = logging.getLogger(__name__)

BOM = "\ufeff"
# What a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 2000  # rows between two progress updates of a background export
STREAM_CHUNK_ROWS = 200  # rows per chunk of a streamed response


def safe_cell(value):
    """One cell as text; text a spreadsheet would run as a formula gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text):
    """A cell read back from a CSV this module wrote: without the ``'`` ``safe_cell`` added."""
    if len(text) > 1 and text[0] == "'" and text[1] in "".join(FORMULA_STARTS):
        return text[1:]
    return text


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for ``csv.writer``)."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """The CSV text of ``header`` and ``rows`` (safe cells), in chunks of a few hundred rows,
    starting with the byte-order mark."""
    writer = csv.writer(_Echo())
    chunk = [BOM, writer.writerow([safe_cell(name) for name in header])]
    for row in rows:
        chunk.append(writer.writerow([safe_cell(value) for value in row]))
        if len(chunk) >= STREAM_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def stream_csv(filename, header, rows):
    """A streamed CSV download of ``rows`` (an iterator: nothing is held in memory)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ExportJob(UUIDModel):
    """A large CSV export written by a worker for the person who asked (``requested_by``), who
    alone sees its progress and downloads it. The concrete model adds its ``store``."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_CASCADE, related_name="+")
    query = models.TextField(blank=True, default="")  # the list's filters, as its query string
    status = models.TextField(default="pending")  # pending, running, done, failed
    rows_total = models.IntegerField(default=0)
    rows_done = models.IntegerField(default=0)
    created_at = created_at()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"export {self.pk} ({self.status})"

    @property
    def finished(self):
        return self.status in ("done", "failed")

    @property
    def percent(self):
        if self.status == "done":
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def file_name(self):
        return f"{self.pk}.csv"

    @property
    def path(self):
        return Path(settings.EXPORTS_DIR) / self.file_name


def queue_export(model, task_name, *, user, store_id, query):
    """A pending export of ``model`` for ``user`` of the list filtered by ``query`` (its query
    string); its task ``task_name`` is queued when the transaction commits."""
    export = model.objects.create(store_id=store_id, requested_by=user, query=query[:2000])
    queue_on_commit(task_name, str(export.pk))
    return export


def write_export_file(model, export_id, build):
    """Write a pending export of ``model`` into its file, counting progress; returns the rows
    written (None when the export is not pending: a second delivery of the task's message).

    ``build(export)`` returns ``(total, header, rows)``: the (estimated) row count for the
    progress bar, and the rows, read in chunks as for ``stream_csv``."""
    export = model.objects.select_related("requested_by").filter(pk=export_id, status="pending").first()
    if export is None:
        return None
    total, header, rows = build(export)
    model.objects.filter(pk=export.pk).update(status="running", rows_total=total)
    export.path.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    try:
        with open(export.path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([safe_cell(name) for name in header])
            for row in rows:
                writer.writerow([safe_cell(value) for value in row])
                done += 1
                if done % PROGRESS_EVERY == 0:
                    model.objects.filter(pk=export.pk).update(rows_done=done)
    except Exception:
        logger.exception("Export %s failed", export.pk)
        model.objects.filter(pk=export.pk).update(status="failed", rows_done=done, finished_at=timezone.now())
        raise
    model.objects.filter(pk=export.pk).update(
        status="done", rows_done=done, rows_total=max(total, done), finished_at=timezone.now()
    )
    return done


def export_download(export, filename):
    """The finished export's file (404 while it is not ready)."""
    if export.status != "done" or not export.path.exists():
        raise Http404("This export is not ready.")
    return FileResponse(export.path.open("rb"), as_attachment=True, filename=filename)
