"""Makes the request's user (with IP address and user agent) the audit actor of its writes."""

from audit import actor


class AuditActorMiddleware:
    """Place after ``AuthenticationMiddleware``. The user is resolved only if the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = actor.set_request_actor(request)
        try:
            return self.get_response(request)
        finally:
            actor.reset(token)
