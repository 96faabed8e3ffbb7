"""The site shell's project entries: the sidebar section and the unread-alert badge in the header.
Shown only to the team and app admins (``stores.access``); the badge costs one query."""

from django import template

from projects.selectors import unread_alert_count
from stores.access import VIEW_PROJECTS
from stores.access import access_for

register = template.Library()


def _team_member(context):
    user = getattr(context.get("request"), "user", None)
    return user is not None and user.is_authenticated and access_for(user).can_project(VIEW_PROJECTS)


@register.inclusion_tag("projects/_sidebar.html", takes_context=True)
def project_nav(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return {
        "show": _team_member(context),
        "current": match.url_name if match and match.namespace == "projects" else "",
        "section": context.get("project_section", ""),
    }


@register.inclusion_tag("projects/_alert_badge.html", takes_context=True)
def project_alert_badge(context):
    if not _team_member(context):
        return {"show": False}
    return {"show": True, "unread": unread_alert_count()}
