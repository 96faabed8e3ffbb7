"""The tables the importer brings over, parents before children, and their exceptions.

Our tables and columns carry the inventory's names (docs/schema-notes.md), so a table is copied
column for column: the columns both sides have. Columns only we have (the additive ones) keep
their database defaults on new rows and their values on existing ones; columns only the source
has are reported and left behind. ``TableSpec`` says where a table needs more than that.
"""

from dataclasses import dataclass
from dataclasses import field

from accounts.supabase_import import people

SECRET_COLUMNS = ("api_key", "api_secret", "webhook_secret")


@dataclass(frozen=True)
class TableSpec:
    name: str
    # The source relation (schema-qualified); the same name in ``public`` by default.
    source: str = ""
    # target column -> SQL expression on the source row, replacing or adding to the copied ones.
    select: dict = field(default_factory=dict)
    # target column -> expression for an existing row (``t`` = ours, ``EXCLUDED`` = the import).
    on_update: dict = field(default_factory=dict)
    # Foreign-key columns whose parent table comes later in the same transaction (the only cycle
    # in the inventory): not checked when staged; once the parents are in, a link to a row that
    # did not come is cleared (the inventory's ON DELETE SET NULL) and reported.
    linked_later: dict = field(default_factory=dict)
    # Written in one transaction with the next table (the parents of ``linked_later``): our
    # foreign keys are DEFERRABLE INITIALLY DEFERRED, so they are checked at its commit.
    commit_with_next: bool = False
    # History: rows are added, never rewritten.
    append_only: bool = False
    # Whether source columns we have no place for are worth reporting (not GoTrue's own).
    report_left_behind: bool = True
    # Access rows (memberships, app roles) someone here deleted after an earlier import stay
    # deleted: a catch-up run must not undo a removal.
    removals_here_stick: bool = False

    @property
    def source_relation(self):
        return self.source or f"public.{self.name}"


# A row changed here since the old app last changed it keeps our values: its ``updated_at`` is
# later than the source's (the import keeps the source's stamps) and than its ``created_at`` (a
# row a trigger made in this run, such as ``handle_new_user()``'s profile, has the two equal).
_CHANGED_HERE = "t.updated_at > EXCLUDED.updated_at AND t.updated_at > t.created_at"


def changed_here_kept(*columns):
    """``on_update`` expressions for ``columns`` (and the stamps) that keep a row changed here."""
    return {
        column: f"CASE WHEN {_CHANGED_HERE} THEN t.{column} ELSE EXCLUDED.{column} END"
        for column in (*columns, "created_at", "updated_at")
    }


TABLES = (
    TableSpec(
        "users",
        source="auth.users",
        select=people.USER_SELECT,
        on_update=people.USER_ON_UPDATE,
        report_left_behind=False,
    ),
    # People edit their profile here, owners their team: a catch-up run never undoes that.
    TableSpec("profiles", on_update=changed_here_kept("first_name", "last_name", "email", "phone", "avatar_url")),
    TableSpec("user_roles", removals_here_stick=True),
    # The credentials are filled in by ``credentials`` (never copied as they are); a store starts
    # as connected, ``--skip-credentials`` marks the ones we could not read.
    TableSpec(
        "stores",
        select={**dict.fromkeys(SECRET_COLUMNS, "NULL::text"), "credentials_reconnect_needed": "false"},
    ),
    TableSpec("store_users", on_update=changed_here_kept("store_id", "user_id", "role"), removals_here_stick=True),
    TableSpec("store_attributes"),
    TableSpec("store_attribute_terms"),
    TableSpec("store_categories"),
    TableSpec("store_tags"),
    TableSpec("store_brands"),
    TableSpec("products", linked_later={"featured_image_id": "product_images"}, commit_with_next=True),
    TableSpec("product_images"),
    TableSpec("product_variations"),
    TableSpec("product_attributes"),
    TableSpec("orders"),
    TableSpec("order_status_logs"),
    # Once here, where a webhook delivers is ours to manage (``--repoint-webhooks`` points it at
    # our receiver): a re-import must not put the old app's URL back.
    TableSpec("webhooks", on_update={"delivery_url": "t.delivery_url"}),
    TableSpec("webhook_logs"),
    TableSpec("webhook_log_rate_limit"),
    TableSpec("taxonomy_sync_log"),
    TableSpec("sync_logs"),
    TableSpec("sync_errors"),
    TableSpec("sprints"),
    # actual_hours is the sum of the task's work logs, kept by a trigger as they arrive: an existing
    # task keeps ours, or every re-run would overwrite the sum with the source's figure.
    TableSpec("tasks", on_update={"actual_hours": "t.actual_hours"}),
    TableSpec("work_logs"),
    TableSpec("task_comments"),
    TableSpec("task_logs"),
    TableSpec("bug_reports"),
    TableSpec("deployments"),
    TableSpec("project_alerts"),
    TableSpec("agent_insights"),
    TableSpec("agent_alerts"),
    TableSpec("agent_execution_log"),
    TableSpec("credential_access_logs", append_only=True),
    TableSpec("anomaly_response_actions"),
    TableSpec("audit_logs", append_only=True),
)

TABLE_NAMES = tuple(spec.name for spec in TABLES)


def transaction_groups(specs):
    """The specs split into the groups that share a transaction, in order."""
    groups, group = [], []
    for spec in specs:
        group.append(spec)
        if not spec.commit_with_next:
            groups.append(group)
            group = []
    return groups + ([group] if group else [])


def selected(only):
    """The specs to import: all, or those named by ``--only`` (in dependency order)."""
    if not only:
        return TABLES
    unknown = sorted(set(only) - set(TABLE_NAMES))
    if unknown:
        raise ValueError(f"Unknown table(s): {', '.join(unknown)}. Tables: {', '.join(TABLE_NAMES)}.")
    return tuple(spec for spec in TABLES if spec.name in only)
