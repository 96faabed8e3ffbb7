"""Makes the request's user (with IP address and user agent) the audit actor of its writes, and
the user PostgreSQL's row-level security checks every statement of the request against."""

from django.db import transaction

from audit import actor
from config import rls

READ_METHODS = ("GET", "HEAD")


class AuditActorMiddleware:
    """Place after ``AuthenticationMiddleware``. The user is resolved only if the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # One transaction for a signed-in user's page: the web role and the user are set by its
        # first statement instead of by each one (audit.actor), and end with it. Requests without
        # a session (media, the favicon, health checks) never wait for the database here.
        one_transaction = request.method in READ_METHODS and request.user.is_authenticated
        token = actor.set_request_actor(request)
        # Row-level security: the request's statements run as the web role, for its user.
        role_token = rls.enter_web_request()
        try:
            if one_transaction:
                with transaction.atomic():
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            rls.leave(role_token)
            actor.reset(token)
