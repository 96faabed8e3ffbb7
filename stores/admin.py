from django.contrib import admin

from stores.models import Store
from stores.models import StoreGroupObjectPermission
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission


class StoreUserInline(admin.TabularInline):
    model = StoreUser
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
    list_display = ["store", "user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["store", "user"]
    search_fields = ["store__name", "user__email"]
    autocomplete_fields = ["store", "user"]


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
