"""Shared pieces of the staff admin."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For log, audit and sync-record tables: staff read them, nobody edits them by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
