"""The one masking function for customer data: the inventory's ``orders_summary``.

Every read of orders for someone who may not see customer data (viewers) goes through
``orders_summary(queryset, access)``. It works inside the database, so the personal columns
never leave PostgreSQL for such a user:

- the personal columns (``PII_FIELDS``) are deferred, and loaded instead as ``CASE`` expressions
  that give the real value only for stores where the user has ``stores.view_customer_data`` and
  ``XXXX`` otherwise (JSON addresses keep their keys, every value becomes ``XXXX``);
- the model instances it yields carry the masked values under the usual attribute names, so a
  template or export cannot tell the difference and cannot lazy-load the real ones;
- a masked queryset refuses to filter, sort, group, aggregate or select on a personal column,
  so a viewer cannot probe customer data through search, filters or counts either.


Masked querysets read ``FROM orders_summary`` (the view, audit migration 0012) instead of
``orders``: row-level security lets viewers read no ``orders`` row, and the view masks the same
columns in the database by the same rule, for reporting tools too.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Case
from django.db.models import F
from django.db.models import Func
from django.db.models import JSONField
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import TextField
from django.db.models import Value
from django.db.models import When
from django.db.models.expressions import Col
from django.db.models.query import ModelIterable
from django.db.models.sql import Query
from django.db.models.sql.datastructures import BaseTable

from orders.models import Order
from stores.access import VIEW_CUSTOMER_DATA

MASK = "XXXX"
TEXT_PII_FIELDS = ("customer_name", "customer_email", "customer_phone", "customer_note")
JSON_PII_FIELDS = ("billing", "shipping")
PII_FIELDS = TEXT_PII_FIELDS + JSON_PII_FIELDS
MASKED_PREFIX = "masked_"


class CustomerDataProbe(PermissionDenied):
    """A masked order read tried to filter, sort or aggregate on a personal column."""


class MaskJSON(Func):
    """Keep a JSON object's keys, replace every non-empty value with ``"XXXX"``."""

    template = (
        "(SELECT COALESCE(jsonb_object_agg(e.key, CASE WHEN e.value IN ('null'::jsonb, '\"\"'::jsonb) "
        "THEN e.value ELSE '\"" + MASK + "\"'::jsonb END), '{}'::jsonb) "
        "FROM jsonb_each(CASE WHEN jsonb_typeof(%(expressions)s) = 'object' THEN %(expressions)s "
        "ELSE '{}'::jsonb END) AS e)"
    )
    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        # The expression appears twice in the template.
        return sql, (*params, *params)


def _masked_text(field, unmasked_store_ids):
    whens = [When(Q(**{f"{field}__isnull": True}) | Q(**{field: ""}), then=F(field))]
    if unmasked_store_ids:
        whens.insert(0, When(store_id__in=unmasked_store_ids, then=F(field)))
    return Case(*whens, default=Value(MASK), output_field=TextField())


def _masked_json(field, unmasked_store_ids):
    if not unmasked_store_ids:
        return MaskJSON(F(field))
    return Case(
        When(store_id__in=unmasked_store_ids, then=F(field)), default=MaskJSON(F(field)), output_field=JSONField()
    )


def _walk(node):
    if node is None:
        return
    yield node
    if isinstance(node, Query):
        yield from _query_nodes(node)
        return
    get_sources = getattr(node, "get_source_expressions", None)
    if get_sources is not None:
        for child in get_sources():
            yield from _walk(child)


def _query_nodes(query, skip_annotations=()):
    yield from _walk(query.where)
    for name, annotation in query.annotations.items():
        if name not in skip_annotations:
            yield from _walk(annotation)
    for item in query.order_by:
        if not isinstance(item, str):
            yield from _walk(item)
    if isinstance(query.group_by, tuple):
        for item in query.group_by:
            yield from _walk(item)
    for item in query.select:
        yield from _walk(item)


def _is_pii_col(node):
    return isinstance(node, Col) and node.target.model is Order and node.target.name in PII_FIELDS


def _pii_name(name):
    return name.lstrip("-?").split("__", 1)[0] in PII_FIELDS


def assert_no_customer_data_probe(query):
    masks = {MASKED_PREFIX + field for field in PII_FIELDS}
    if any(_is_pii_col(node) for node in _query_nodes(query, skip_annotations=masks)):
        raise CustomerDataProbe("Customer data is masked here: it cannot be filtered, sorted or counted.")
    for item in (*query.order_by, *query.values_select, *(query.distinct_fields or ())):
        if isinstance(item, str) and _pii_name(item):
            raise CustomerDataProbe("Customer data is masked here: it cannot be filtered, sorted or selected.")


SUMMARY_VIEW = "orders_summary"


class MaskedQuery(Query):
    """Reads ``FROM orders_summary orders``: the view masks in the database, whatever this
    query's own annotations do, and row-level security lets viewers read nothing else."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        assert_no_customer_data_probe(self)
        self.get_initial_alias()
        for alias, table in list(self.alias_map.items()):
            if isinstance(table, BaseTable) and table.table_name == Order._meta.db_table:
                self.alias_map[alias] = BaseTable(SUMMARY_VIEW, alias)
        return super().get_compiler(using=using, connection=connection, elide_empty=elide_empty)


class MaskedModelIterable(ModelIterable):
    """Yield orders with the masked values under the real attribute names."""

    def __iter__(self):
        for obj in super().__iter__():
            for field in PII_FIELDS:
                obj.__dict__[field] = obj.__dict__.pop(MASKED_PREFIX + field, MASK)
            obj.customer_data_masked = True
            yield obj


class MaskedOrderQuerySet(QuerySet):
    def __init__(self, model=None, query=None, using=None, hints=None):
        super().__init__(model=model, query=query, using=using, hints=hints)
        self._iterable_class = MaskedModelIterable

    def update(self, **kwargs):
        assert_no_customer_data_probe(self.query)
        if any(name in PII_FIELDS for name in kwargs):
            raise CustomerDataProbe("Customer data cannot be written through a masked read.")
        return super().update(**kwargs)

    def delete(self):
        assert_no_customer_data_probe(self.query)
        return super().delete()

    def values(self, *fields, **expressions):
        if not fields and not expressions:
            raise CustomerDataProbe("Name the fields: a masked read cannot select every column.")
        return super().values(*fields, **expressions)

    def values_list(self, *fields, flat=False, named=False):
        if not fields:
            raise CustomerDataProbe("Name the fields: a masked read cannot select every column.")
        return super().values_list(*fields, flat=flat, named=named)


def orders_summary(queryset, access):
    """The masked view of ``queryset`` (orders) for ``access``.

    Rows of stores where the user may see customer data keep their values; every other row has
    its personal columns replaced by ``XXXX``. App admins get the queryset unchanged.
    """
    if queryset.model is not Order:
        raise TypeError("orders_summary masks Order querysets only.")
    unmasked = access.store_ids_for(VIEW_CUSTOMER_DATA)
    if unmasked is None:
        return queryset
    unmasked = sorted(unmasked, key=str)
    masked = MaskedOrderQuerySet(model=Order, query=queryset.query.chain(klass=MaskedQuery), using=queryset._db)
    masked._prefetch_related_lookups = queryset._prefetch_related_lookups
    annotations = {MASKED_PREFIX + field: _masked_text(field, unmasked) for field in TEXT_PII_FIELDS}
    annotations.update({MASKED_PREFIX + field: _masked_json(field, unmasked) for field in JSON_PII_FIELDS})
    return masked.defer(*PII_FIELDS).annotate(**annotations)


def mask_value(value):
    """The Python twin of the SQL rule, for values that never came from the orders table."""
    if value in (None, ""):
        return value
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    return MASK
