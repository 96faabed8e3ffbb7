"""What an import did: per-table counts printed at the end, one audit row per imported table,
and the run on the admin's Scheduled jobs page (the ``import_supabase`` row: when it last ran,
how it ended and this summary)."""

import json
import uuid

from audit.actor import SYSTEM_PREFIX

JOB_NAME = "import_supabase"
ACTOR_NAME = "import"


class Report:
    def __init__(self, *, source_url, dry_run):
        self.run_id = uuid.uuid4()
        self.source_url = source_url
        self.dry_run = dry_run
        self.tables = []
        self.lines = []  # other outcomes: files, admins, webhooks, stores to reconnect

    def add(self, result):
        self.tables.append(result)

    def note(self, line):
        self.lines.append(line)

    @property
    def totals(self):
        return {
            key: sum(getattr(result, key) for result in self.tables)
            for key in ("source_rows", "new", "changed", "unchanged", "refused")
        }

    def text(self):
        verb = "Dry run (nothing written)" if self.dry_run else "Imported"
        header = f"{'table':<26} {'source':>9} {'new':>9} {'changed':>9} {'unchanged':>9} {'refused':>8}"
        lines = [f"{verb} from {self.source_url} (run {self.run_id})", header, "-" * len(header)]
        for r in self.tables:
            if r.missing:
                lines.append(f"{r.table:<26} not in the source, skipped")
                continue
            lines.append(self._row(r.table, r.source_rows, r.new, r.changed, r.unchanged, r.refused))
            lines += [f"    refused {rows:,}: {reason} (e.g. id {example})" for reason, rows, example in r.reasons]
            lines += [f"    {note}" for note in r.notes]
        t = self.totals
        lines.append("-" * len(header))
        lines.append(self._row("total", t["source_rows"], t["new"], t["changed"], t["unchanged"], t["refused"]))
        lines += self.lines
        return "\n".join(lines)

    @staticmethod
    def _row(label, source_rows, new, changed, unchanged, refused):
        return f"{label:<26} {source_rows:>9,} {new:>9,} {changed:>9,} {unchanged:>9,} {refused:>8,}"

    def summary(self):
        """One paragraph for the Scheduled jobs page."""
        t = self.totals
        refused = [f"{r.table} {r.refused:,}" for r in self.tables if r.refused]
        parts = [
            f"From {self.source_url}: {t['source_rows']:,} rows read, {t['new']:,} new, {t['changed']:,} changed,"
            f" {t['unchanged']:,} unchanged, {t['refused']:,} refused"
            + (f" ({', '.join(refused)})" if refused else "")
            + "."
        ]
        return " ".join(parts + self.lines)


def record_in_audit_trail(cursor, result, run_id, source_url):
    """The import's own audit row for a table it wrote to (the rows themselves are not audited
    one by one: the old app's audit history comes along instead)."""
    if not (result.new or result.changed):
        return
    cursor.execute(
        "INSERT INTO audit_logs (id, table_name, record_id, action, new_data, user_email, created_at)"
        " VALUES (uuid_v7(), %s, %s, 'INSERT', %s::jsonb, %s, now())",
        [
            result.table,
            run_id,
            json.dumps(
                {
                    "import": "supabase",
                    "source": source_url,
                    "new": result.new,
                    "changed": result.changed,
                    "unchanged": result.unchanged,
                    "refused": result.refused,
                }
            ),
            SYSTEM_PREFIX + ACTOR_NAME,
        ],
    )
