from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation
from accounts.models import Profile
from accounts.models import User
from accounts.models import UserRole
from stores.services import stores_lost_with_accounts


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["first_name", "last_name", "email", "phone", "avatar_url"]


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0
    fields = ["role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "profile__first_name", "profile__last_name"]
    # Staff and superuser follow the 'admin' app role (a database trigger): change the roles below.
    readonly_fields = ["date_joined", "last_login", "is_staff", "is_superuser"]
    inlines = [ProfileInline, UserRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []

    def get_deleted_objects(self, objs, request):
        """The stores an account connected go with it in the database (not on Django's list):
        such a deletion, or one leaving a store without an owner, is refused as protected."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected += stores_lost_with_accounts(user.pk for user in objs)
        return deleted, counts, perms_needed, protected

    def get_inlines(self, request, obj):
        # On add, the database trigger creates the profile; an inline would insert it twice.
        return self.inlines if obj else []


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "first_name", "last_name", "phone", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "first_name", "last_name", "phone"]
    readonly_fields = ["user", "created_at", "updated_at"]


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and revoked from a store's Team page; the token hash is never shown."""

    list_display = ["email", "store", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    list_select_related = ["store", "invited_by"]
    search_fields = ["email", "store__name"]
    fields = [
        "store",
        "email",
        "role",
        "permission",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
