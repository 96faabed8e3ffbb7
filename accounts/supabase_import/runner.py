"""The order of an import: check the source, read the credentials (stop before writing if one
cannot be read), then each table in dependency order in its own transaction, files with the
image rows, links to rows of a later table, app admins, and the report.

Each table commits on its own once its rows are checked, so an interrupted import keeps what it
finished and a re-run (which is always safe) picks up where it stopped: finished tables come back
"unchanged". ``--dry-run`` runs the very same statements inside one transaction that is rolled
back, so its counts are exact, and copies no files.
"""

import sys
import time

from django.db import connection
from django.db import transaction

from accounts.supabase_import import credentials
from accounts.supabase_import import files
from accounts.supabase_import import loader
from accounts.supabase_import import people
from accounts.supabase_import import tables
from accounts.supabase_import.loader import ImportCheckFailed
from accounts.supabase_import.report import ACTOR_NAME
from accounts.supabase_import.report import Report
from accounts.supabase_import.report import record_in_audit_trail
from accounts.supabase_import.source import SourceDatabase
from accounts.supabase_import.source import SourceError
from audit.actor import audit_actor

# Read by audit_log_changes() (audit/migrations/0010): this transaction's writes are history.
AUDIT_SWITCH_SQL = "SELECT set_config('storedesk.audit_history_import', 'on', true)"


class Progress:
    """A per-table progress bar on a terminal, one line per table otherwise."""

    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.label, self.total, self.started = "", 0, 0.0

    def start(self, label, total):
        self.label, self.total, self.started = label, total, time.monotonic()
        self.update(0)

    def update(self, done):
        if not self.tty:
            return
        filled = round(self.WIDTH * min(done, self.total) / self.total) if self.total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label:<26} [{bar}] {done:,}/{self.total:,}")
        self.stream.flush()

    def finish(self, done, step="read"):
        seconds = time.monotonic() - self.started
        rate = f", {done / seconds:,.0f} rows/s" if seconds > 0 and done else ""
        line = f"{self.label:<26} {done:,} rows {step} in {seconds:.1f} s{rate}"
        self.stream.write(("\r" + line.ljust(self.WIDTH + 40) if self.tty else line) + "\n")
        self.stream.flush()
        self.started = time.monotonic()

    def written(self, result):
        seconds = time.monotonic() - self.started
        self.stream.write(
            f"{'':<26} checked and written in {seconds:.1f} s: {result.new:,} new, {result.changed:,} changed,"
            f" {result.refused:,} refused\n"
        )
        self.stream.flush()


class Importer:
    def __init__(
        self,
        *,
        source_url,
        dry_run=False,
        only=None,
        storage_dir=None,
        passphrase=None,
        skip_credentials=False,
        progress=None,
    ):
        self.specs = tables.selected(only)
        self.source = SourceDatabase(source_url)
        self.dry_run = dry_run
        self.storage_dir = storage_dir
        self.passphrase = passphrase
        self.skip_credentials = skip_credentials
        self.progress = progress or Progress()
        self.report = Report(source_url=self.source.url, dry_run=dry_run)

    def run(self):
        try:
            self._check_source()
            secrets = self._read_credentials()
            with audit_actor.system(ACTOR_NAME):
                if self.dry_run:
                    with transaction.atomic():
                        self._import_tables(secrets)
                        transaction.set_rollback(True)
                else:
                    self._import_tables(secrets)
                with connection.cursor() as cursor:
                    people.forget_new_users(cursor)
        finally:
            self.source.close()
        return self.report

    def _check_source(self):
        names = {spec.name for spec in self.specs}
        if "users" in names and not self.source.has_relation("auth.users"):
            raise SourceError("The source has no auth.users table: is it a Supabase database?")
        if not self.source.has_relation("public.stores"):
            raise SourceError("The source has no public.stores table: is it the inventory's database?")

    def _read_credentials(self):
        if "stores" not in {spec.name for spec in self.specs}:
            return {}
        secrets, skipped = credentials.read_all(
            self.source, passphrase=self.passphrase, skip_unreadable=self.skip_credentials
        )
        if skipped:
            self.report.note(f'Imported "reconnect needed" (credentials unreadable): {", ".join(skipped)}.')
        return secrets

    def _import_tables(self, secrets):
        for group in tables.transaction_groups(self.specs):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(AUDIT_SWITCH_SQL)
                rebuild, results = [], []
                for spec in group:
                    # Links checked row by row that wait for a later table (a product's featured
                    # image) must stay deferred: no bulk load may run the deferred checks early.
                    may_drop_keys = not any(result.links_pending for result in results)
                    results.append(self._import_table(cursor, spec, secrets, rebuild, may_drop_keys))
                for spec, result in zip(group, results, strict=True):
                    for column, parent in spec.linked_later.items():
                        if unlinked := loader.unlink_missing(cursor, spec.name, column, parent):
                            result.notes.append(
                                f"{column} cleared on {unlinked:,} rows: their {parent} row did not come"
                            )
                    if spec.name == "store_users" and (note := people.stores_without_an_owner_note(cursor)):
                        result.notes.append(note)
                    if spec.name in ("users", "user_roles") and (admins := people.promote_admins(cursor)):
                        self.report.note(f"{admins} app admin(s) from user_roles.")
                    record_in_audit_trail(cursor, result, self.report.run_id, self.report.source_url)
                    self.report.add(result)
                loader.restore_after_bulk_load(cursor, rebuild)

    def _import_table(self, cursor, spec, secrets, rebuild, may_drop_keys):
        result = loader.TableResult(table=spec.name)
        source_columns = self.source.columns(spec.source_relation)
        if source_columns is None:
            result.missing = True
            return result
        target = loader.target_table(cursor, spec.name)
        plan, left_behind = loader.column_plan(spec, source_columns, target)
        if left_behind:
            result.notes.append(f"source columns not kept: {', '.join(left_behind)}")
        total = self.source.count(spec.source_relation)
        staged = loader.Staged(cursor, target, [column for column, _ in plan])
        select = f"SELECT {', '.join(expression for _, expression in plan)} FROM {spec.source_relation} AS s"
        self.progress.start(spec.name, total)
        result.source_rows = staged.fill(self.source.copy_out(select), self.progress.update)
        self.progress.finish(result.source_rows)
        if spec.name == "stores":
            credentials.fill_stage(cursor, staged.name, secrets)
        if spec.name == "product_images":
            self._bring_files(cursor, staged, result)
        staged.refuse_what_cannot_go_in(spec.linked_later, self.source.unique_keys(spec.source_relation))
        if spec.removals_here_stick:
            staged.refuse_removed_here()
        result.reasons = staged.refusals()
        result.refused = sum(rows for _, rows, _ in result.reasons)
        if spec.name == "users":
            people.before_users_write(cursor, staged.name, result)
        result.new, result.changed, dropped = staged.upsert(spec, result.source_rows, may_drop_keys)
        rebuild += dropped
        result.links_pending = bool(
            spec.linked_later and result.new + result.changed and not staged.foreign_keys_dropped
        )
        if spec.name == "profiles":
            made_with_users = min(result.changed, people.profiles_made_with_their_users(cursor, staged.name))
            result.new, result.changed = result.new + made_with_users, result.changed - made_with_users
        result.unchanged = result.source_rows - result.refused - result.new - result.changed
        missing = staged.count_missing_after_write()
        staged.drop()
        self.progress.written(result)
        if missing:
            raise ImportCheckFailed(f"{spec.name}: {missing} rows that were not refused are missing after writing.")
        return result

    def _bring_files(self, cursor, staged, result):
        urls = {}
        if self.storage_dir:
            objects = files.bucket_objects(self.storage_dir)
            self.progress.start("product-images (files)", len(objects))
            urls, copied, present = files.copy_objects(objects, dry_run=self.dry_run, progress=self.progress.update)
            self.progress.finish(len(objects), "checked")
            verb = "to copy" if self.dry_run else "copied"
            result.notes.append(f"bucket {files.BUCKET}: {copied:,} files {verb}, {present:,} already here")
        missing = files.point_rows_at_copies(cursor, staged.name, urls)
        if missing:
            result.notes.append(
                f"{missing:,} image rows point at the old {files.BUCKET} bucket without a file in"
                f" {'--storage-dir' if self.storage_dir else 'an export (give --storage-dir)'}: their URL is kept"
            )
