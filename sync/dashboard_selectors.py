"""Dashboard reads around sync: the run history and open errors trimmed for tables (built on
``sync.selectors``), errors in plain words, and the sync/webhook health of several stores at
once for the home page and the overview. Scoped through ``stores.access``; each function is a
fixed number of queries."""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from django.db.models import Count
from django.db.models import IntegerField
from django.db.models import Max
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.access import VIEW_STORE
from stores.models import Store
from sync.egress import REFUSED_EXPLANATION
from sync.models import ACTIVE_RUN_STATUSES
from sync.models import PushEntity
from sync.models import PushOperation
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.selectors import sync_errors_for
from sync.selectors import sync_runs_for

SUCCESSFUL_RUNS = (SyncRunStatus.SUCCESS, SyncRunStatus.PARTIAL)
PULL_KINDS = (SyncRunKind.FULL, SyncRunKind.INCREMENTAL)


def sync_runs_page_source(user, store_id):
    """The sync engineer's ``sync_runs_for`` trimmed for a history table (no store row, no
    credentials): one query per windowed page."""
    return (
        sync_runs_for(user, store_id=store_id)
        .select_related(None)
        .select_related("requested_by")
        .defer("stats", "progress")
        .order_by("-created_at", "-id")
    )


def open_errors_page_source(user, store_id):
    """Open ``sync_errors`` (managers and owners: the sync app scopes them to ``run_sync``)."""
    return (
        sync_errors_for(user, store_id=store_id, resolved=False)
        .select_related(None)
        .defer("stack_trace")
        .order_by("-created_at", "-id")
    )


# --- errors in plain words --------------------------------------------------------------------

PLAIN_REASONS = {
    "woocommerce_rest_authentication_error": lambda: _(
        "WooCommerce refused the API keys. Check in the store's settings that they are still valid and "
        "allowed to read and write."
    ),
    "woocommerce_rest_cannot_view": lambda: _(
        "The API keys are not allowed to read this (they need read/write access)."
    ),
    "unreachable": lambda: _(
        "The shop did not answer: it was down, too slow, or its address is wrong. It is retried automatically."
    ),
    "not_woocommerce": lambda: _(
        "The shop's address answered, but not as WooCommerce (a login page, a captcha or a maintenance page?)."
    ),
    "tls_error": lambda: _("The shop's security certificate is not valid, so the connection was not trusted."),
    "address_refused": lambda: str(REFUSED_EXPLANATION),
    "not_an_image": lambda: _(
        "The image file is not a JPEG, PNG, GIF, WebP or AVIF picture, so it was not copied; the product "
        "keeps its original image address."
    ),
    "too_many_redirects": lambda: _("The file's address redirected too many times, so it was not copied."),
    "unsupported_scheme": lambda: _("Only http and https addresses are fetched, so this file was not copied."),
    "rate_limited": lambda: _("The shop asked us to slow down (too many requests). It is retried later."),
    "server_error": lambda: _("The shop had an internal error. This is usually temporary; retry in a while."),
    "repeated_page": lambda: _("The shop sent the same page twice, so the listing stopped early to avoid a loop."),
    "woocommerce_rest_product_invalid_id": lambda: _("The product no longer exists in WooCommerce."),
    "woocommerce_rest_shop_order_invalid_id": lambda: _("The order no longer exists in WooCommerce."),
    "missing_parent": lambda: _("Its parent product has not been synced yet; the next sync fixes this."),
    "database_error": lambda: _("The item could not be saved here. Retry; if it keeps failing, tell an admin."),
    "MappingError": lambda: _("WooCommerce sent data for this item that Storedesk cannot read."),
    "rest_invalid_param": lambda: _("WooCommerce rejected a value as invalid."),
    "term_exists": lambda: _("A term with this name or slug already exists in WooCommerce."),
    "product_invalid_sku": lambda: _("WooCommerce refused the SKU: another product already uses it."),
}
ENTITY_LABELS = {
    "product": lambda: _("Product"),
    "variation": lambda: _("Variation"),
    "order": lambda: _("Order"),
    "category": lambda: _("Category"),
    "tag": lambda: _("Tag"),
    "brand": lambda: _("Brand"),
    "attribute": lambda: _("Attribute"),
    "categories": lambda: _("Categories"),
    "tags": lambda: _("Tags"),
    "brands": lambda: _("Brands"),
    "attributes": lambda: _("Attributes"),
    "products": lambda: _("Products"),
    "variations": lambda: _("Variations"),
    "images": lambda: _("Images"),
    "orders": lambda: _("Orders"),
}


def entity_label(entity):
    label = ENTITY_LABELS.get(entity)
    return label() if label else entity


def plain_reason(error):
    """What went wrong, in words a shop owner understands (the raw message stays available)."""
    code = (error.error_code or "").strip()
    reason = PLAIN_REASONS.get(code)
    if reason is not None:
        return reason()
    message = error.error_message or ""
    if "HTTP 404" in message or "HTTP 410" in message:
        return _("It no longer exists in WooCommerce.")
    if code.startswith("woocommerce_rest_") or code.startswith("rest_"):
        return _("WooCommerce rejected the request.")
    return _("Something unexpected went wrong with this item.")


# --- health for the home page and the overview ------------------------------------------------


@dataclass(frozen=True)
class StoreHealth:
    last_success_at: object
    active_status: str | None
    open_errors: int
    interval_minutes: int
    # Counted for the webhooks app (``register_health_count``), in the same query.
    webhooks_active: int = 0
    webhooks_inactive: int = 0
    # The caller's own per-store columns, computed in the same query (``store_health_for``).
    extra: dict = field(default_factory=dict)

    @property
    def lag(self):
        return timezone.now() - self.last_success_at if self.last_success_at else None

    @property
    def state(self):
        """``ok``, ``late`` (no success for over two intervals), ``errors``, ``never``."""
        if self.last_success_at is None:
            return "never"
        if self.open_errors:
            return "errors"
        if self.interval_minutes and self.lag > timedelta(minutes=2 * self.interval_minutes + 5):
            return "late"
        return "ok"

    @property
    def webhooks_state(self):
        if not self.webhooks_active and not self.webhooks_inactive:
            return "none"
        return "degraded" if self.webhooks_inactive else "ok"


def _count(model, **filters):
    rows = model.objects.filter(store_id=OuterRef("pk"), **filters).order_by().values("store_id")
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n"), output_field=IntegerField()), Value(0))


# StoreHealth field -> (model, filters): rows of the apps above about each store, counted in the
# health query; webhooks registers its active and inactive webhooks in its ``AppConfig.ready``.
_HEALTH_COUNTS = {}


def register_health_count(name, model, **filters):
    """Count each store's ``model`` rows matching ``filters`` into ``StoreHealth.<name>``."""
    _HEALTH_COUNTS[name] = (model, filters)


def store_health_for(access, store_ids, **columns):
    """``{store_id: StoreHealth}``: one query for all the stores. ``columns`` (name -> expression
    over a store row, e.g. a subquery on ``OuterRef("pk")``) ride in the same query, their values
    in ``StoreHealth.extra``."""
    store_ids = [pk for pk in store_ids if access.can(VIEW_STORE, pk)]
    if not store_ids:
        return {}
    last_success = (
        SyncRun.objects.filter(store_id=OuterRef("pk"), status__in=SUCCESSFUL_RUNS, kind__in=PULL_KINDS)
        .order_by()
        .values("store_id")
        .annotate(last=Max("finished_at"))
        .values("last")
    )
    active = SyncRun.objects.filter(store_id=OuterRef("pk"), status__in=ACTIVE_RUN_STATUSES).values("status")[:1]
    rows = (
        Store.objects.filter(pk__in=store_ids)
        .annotate(
            last_success_at=Subquery(last_success),
            active_status=Subquery(active),
            open_errors=_count(SyncError, resolved=False),
            **{name: _count(model, **filters) for name, (model, filters) in _HEALTH_COUNTS.items()},
            **columns,
        )
        .values(
            "pk", "last_success_at", "active_status", "open_errors", "sync_interval_minutes", *_HEALTH_COUNTS, *columns
        )
    )
    health = {}
    for row in rows:
        pk, extra = row.pop("pk"), {name: row.pop(name) for name in columns}
        health[pk] = StoreHealth(interval_minutes=row.pop("sync_interval_minutes"), extra=extra, **row)
    return health


def recent_runs_for(user, store_id, limit=5):
    return list(sync_runs_page_source(user, store_id)[:limit])


def recent_pushes_for(access, store_id, limit=6):
    """The latest local changes sent to WooCommerce (products, orders, taxonomies): one query."""
    access.require(VIEW_STORE, store_id)
    return list(
        PushOperation.objects.filter(store_id=store_id)
        .exclude(entity_type=PushEntity.ORDER, status="cancelled")
        .select_related("requested_by")
        .only(
            "id",
            "store_id",
            "entity_type",
            "action",
            "object_id",
            "woo_id",
            "status",
            "fields",
            "payload",
            "last_error",
            "created_at",
            "completed_at",
            "requested_by__id",
            "requested_by__email",
        )
        .order_by("-created_at")[:limit]
    )
