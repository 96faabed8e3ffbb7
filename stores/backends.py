from stores.access import access_for


class StoreRoleBackend:
    """Answers ``user.has_perm(perm, store)`` from the user's store roles and grants."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        from stores.models import Store

        if obj is None or not isinstance(obj, Store) or not user_obj.is_active:
            return False
        return access_for(user_obj).can(perm, obj.pk)
