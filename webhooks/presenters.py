"""Display values of the webhooks page: topics in words ("Order created", not ``order.created``)."""

from django.utils.translation import gettext_lazy as _

TOPIC_LABELS = {
    "product.created": _("Product created"),
    "product.updated": _("Product updated"),
    "product.deleted": _("Product deleted"),
    "product.restored": _("Product restored"),
    "order.created": _("Order created"),
    "order.updated": _("Order updated"),
    "order.deleted": _("Order deleted"),
    "order.restored": _("Order restored"),
    "ping": _("Test ping"),
}


def topic_label(topic):
    """The topic in words; a topic Storedesk does not handle keeps its technical name."""
    return TOPIC_LABELS.get(topic or "", topic or "—")


def with_topic_labels(rows):
    for row in rows:
        row.topic_label = topic_label(row.topic)
    return rows
