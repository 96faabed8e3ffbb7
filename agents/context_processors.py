from stores.access import access_for


class _UnreadAlerts:
    """The header bell's number, counted (one query) the first time a template asks for it."""

    def __init__(self, user):
        self.user = user
        self.value = None

    def __call__(self):
        if self.value is None:
            from agents.selectors import unread_alert_count

            self.value = unread_alert_count(access_for(self.user))
        return self.value


def alerts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"alerts_unread": _UnreadAlerts(user)}
