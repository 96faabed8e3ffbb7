from django import template

from agents.presenters import insight_url
from agents.presenters import insight_view
from agents.selectors import open_insights_for_store
from stores.access import VIEW_INSIGHTS

register = template.Library()


@register.inclusion_tag("agents/_overview_insights.html")
def store_insights_panel(store, access):
    """The store overview's open insights (nothing for members who may not see insights)."""
    insights = open_insights_for_store(access, store.pk)
    return {
        "store": store,
        "shown": access.can(VIEW_INSIGHTS, store.pk),
        "insights": [{"view": insight_view(i), "url": insight_url(i)} for i in insights],
    }


@register.simple_tag
def insight_link(insight):
    return insight_url(insight)
