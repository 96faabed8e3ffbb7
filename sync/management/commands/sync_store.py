"""``manage.py sync_store STORE [--full] [--reconcile] [--entities ...]``: pull a store now, in
this process, with a progress bar."""

from __future__ import annotations

import sys
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser

from stores.models import Store
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.pull import ENTITIES
from sync.runs import run_pull
from sync.selectors import sync_run_progress
from sync.services import sync_run_queue

BAR_WIDTH = 30


def find_store(value: str) -> Store:
    """A store by id, or by exact name when that name is unique."""
    try:
        return Store.objects.get(pk=uuid.UUID(value))
    except (ValueError, Store.DoesNotExist):
        pass
    matches = list(Store.objects.filter(name=value)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"More than one store is named {value!r}: give its id.")
    raise CommandError(f"No store with id or name {value!r}.")


class Command(BaseCommand):
    help = "Pull a WooCommerce store now (incremental unless --full), showing progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("store", help="the store's id (or its exact name)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--full", action="store_true", help="list everything and remove what is gone upstream")
        mode.add_argument("--reconcile", action="store_true", help="compare id lists and fix the differences")
        parser.add_argument(
            "--entities", nargs="+", choices=ENTITIES, metavar="ENTITY", help=f"only these ({', '.join(ENTITIES)})"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar, only the summary")

    def handle(self, *args: Any, **options: Any) -> None:
        store = find_store(options["store"])
        kind = (
            SyncRunKind.RECONCILE
            if options["reconcile"]
            else SyncRunKind.FULL
            if options["full"]
            else (SyncRunKind.INCREMENTAL)
        )
        try:
            run = sync_run_queue(store.pk, kind=kind, entities=options["entities"], enqueue=False)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if run.kind != kind or (options["entities"] and run.entities != options["entities"]):
            self.stdout.write(f"A {run.kind} run of this store is already {run.status}; following it.")
        self._tty = sys.stderr.isatty() and not options["no_progress"]
        self._quiet = options["no_progress"]
        self._last_line = ""
        run = run_pull(run.pk, on_progress=self._show)
        if self._tty:
            sys.stderr.write("\n")
        self._summary(run)
        if run.status == SyncRunStatus.FAILED:
            raise CommandError(run.error_message or "The sync failed.")

    def _show(self, run: SyncRun) -> None:
        if self._quiet:
            return
        progress = sync_run_progress(run.pk)
        current = next((e for e in progress["entities"] if e["status"] == "running"), None)
        filled = round(BAR_WIDTH * progress["percent"] / 100)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        detail = ""
        if current:
            total = current["total"] if current["total"] is not None else "?"
            detail = f"{current['entity']} {current['done']}/{total}"
        line = f"[{bar}] {progress['percent']:3d}%  {detail}"
        if self._tty:
            sys.stderr.write("\r" + line.ljust(len(self._last_line)))
            sys.stderr.flush()
        elif detail.split(" ")[0] != self._last_line.split("%  ")[-1].split(" ")[0]:
            self.stderr.write(line)
        self._last_line = line

    def _summary(self, run: SyncRun) -> None:
        self.stdout.write(f"{run.kind} sync of {run.store.name}: {run.status} (run {run.pk})")
        for name, stats in (run.stats.get("entities") or {}).items():
            extra = f"  ({stats['skipped']})" if stats.get("skipped") else ""
            self.stdout.write(
                f"  {name:<11} fetched {stats['fetched']:>6}  created {stats['created']:>6}  "
                f"updated {stats['updated']:>6}  deleted {stats['deleted']:>5}  failed {stats['failed']:>4}  "
                f"{stats['duration_ms'] / 1000:6.1f} s{extra}"
            )
        client = run.stats.get("client") or {}
        self.stdout.write(
            f"  {run.requests_made} requests ({client.get('retries', 0)} retries), {run.rows_written} rows written"
        )
        if run.error_message:
            self.stdout.write(f"  {run.error_message}")
