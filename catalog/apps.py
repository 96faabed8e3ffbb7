from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.presenters import register_table
        from catalog import push_executors
        from catalog.forms import PRODUCT_STATUS_LABELS

        # The push queue (sync) sends products and taxonomies with the catalog's executors.
        push_executors.register()

        # The audit trail words a product's status as the catalog pages do.
        for table in ("products", "product_variations"):
            register_table(table, status_labels=PRODUCT_STATUS_LABELS)
