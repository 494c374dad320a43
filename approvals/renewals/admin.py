"""Read-only admin of renewals and expiry reminders (every change goes through approvals.renewals.services)."""
from django.contrib import admin

from approvals.renewals.models import ExpiryReminder, Renewal
from portal.admin import ReadOnlyAdmin


@admin.register(Renewal)
class RenewalAdmin(ReadOnlyAdmin):
    list_display = ["application", "certificate", "file_by", "expires_on", "outcome", "new_certificate", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["application__case_number", "certificate__licence_number"]
    list_select_related = ["application", "certificate", "new_certificate"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "days_before", "due_on", "notified", "created_at"]
    list_filter = ["days_before", "notified"]
    search_fields = ["certificate__licence_number"]
    list_select_related = ["certificate"]
