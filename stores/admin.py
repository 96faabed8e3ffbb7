from collections import defaultdict

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from stores.models import Store
from stores.models import StoreGroupObjectPermission
from stores.models import StoreRole
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission
from stores.services import LastOwnerError
from stores.services import store_memberships_check_owner_kept


class StoreUserInlineFormSet(BaseInlineFormSet):
    """A store's memberships on its admin page: one save may hand the store over (an owner
    leaves as another becomes one), never leave it without an owner."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        leaving, arriving = set(), False
        for form in self.forms:
            if not form.instance.pk and not form.has_changed():
                continue  # an empty extra row
            was_owner = bool(form.instance.pk) and form.initial.get("role") == StoreRole.OWNER
            is_owner = not self._should_delete_form(form) and form.cleaned_data.get("role") == StoreRole.OWNER
            if was_owner and not is_owner:
                leaving.add(form.instance.pk)
            arriving = arriving or (is_owner and not was_owner)
        if leaving:
            store_memberships_check_owner_kept(store_id=self.instance.pk, leaving=leaving, arriving=arriving)


class StoreUserAdminForm(forms.ModelForm):
    class Meta:
        model = StoreUser
        fields = ["store", "user", "role"]

    def clean(self):
        data = super().clean()
        before = self.instance  # still as saved: the form's values are copied onto it after clean()
        store, role = data.get("store"), data.get("role")
        steps_down = store and role and (store.pk != before.store_id or role != StoreRole.OWNER)
        if before.pk and before.role == StoreRole.OWNER and steps_down:
            store_memberships_check_owner_kept(store_id=before.store_id, leaving={before.pk})
        return data


class StoreUserInline(admin.TabularInline):
    model = StoreUser
    formset = StoreUserInlineFormSet
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    # The credential columns are left out entirely: not even their ciphertext is shown.
    fields = ["name", "url", "currency", "user", "sync_interval_minutes", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]
    list_display = ["name", "url", "currency", "user", "sync_interval_minutes", "created_at"]
    list_select_related = ["user"]
    list_filter = ["currency"]
    search_fields = ["name", "url", "user__email"]
    autocomplete_fields = ["user"]
    inlines = [StoreUserInline]

    def has_add_permission(self, request):
        # A store needs encrypted credentials, which only the dashboard's write-only form takes.
        return False


@admin.register(StoreUser)
class StoreUserAdmin(admin.ModelAdmin):
    form = StoreUserAdminForm
    list_display = ["store", "user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["store", "user"]
    search_fields = ["store__name", "user__email"]
    autocomplete_fields = ["store", "user"]

    def get_deleted_objects(self, objs, request):
        """Deleting every owner of a store is refused as a protected deletion (one page and
        message for the delete link and the bulk action alike)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        leaving = defaultdict(set)
        for membership in objs:
            leaving[membership.store].add(membership.pk)
        for store, memberships in leaving.items():
            try:
                store_memberships_check_owner_kept(store_id=store.pk, leaving=memberships)
            except LastOwnerError as error:
                protected.append(f"{store}: {error.message}")
        return deleted, counts, perms_needed, protected


@admin.register(StoreUserObjectPermission)
class StoreUserObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "user", "permission"]
    list_select_related = ["content_object", "user", "permission__content_type"]
    search_fields = ["content_object__name", "user__email", "permission__codename"]
    autocomplete_fields = ["content_object", "user"]


@admin.register(StoreGroupObjectPermission)
class StoreGroupObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "group", "permission"]
    list_select_related = ["content_object", "group", "permission__content_type"]
    search_fields = ["content_object__name", "group__name", "permission__codename"]
    autocomplete_fields = ["content_object"]
