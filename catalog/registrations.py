"""What the catalog hands to the apps it builds on at start-up (``CatalogConfig.ready``): its
push executors (sync) and the words for its statuses (audit)."""

from audit.presenters import register_table
from catalog import push_executors
from catalog.forms import PRODUCT_STATUS_LABELS


def register():
    # The push queue (sync) sends products and taxonomies with the catalog's executors.
    push_executors.register()

    # The audit trail words a product's status as the catalog pages do.
    for table in ("products", "product_variations"):
        register_table(table, status_labels=PRODUCT_STATUS_LABELS)
