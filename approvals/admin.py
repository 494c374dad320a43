"""Read-only admin views of the staff side: every change goes through the services (audited), so the admin
shows notices, cases and their records without letting anyone edit them. The staged workflow's models are
registered by approvals/cases/admin.py."""
from django.contrib import admin

from approvals.cases import admin as case_admin  # noqa: F401 - registers the staged workflow's models
from approvals.renewals import admin as renewal_admin  # noqa: F401 - registers renewals and expiry reminders
from approvals.models import Handover, Notice
from portal.admin import ReadOnlyAdmin


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "application", "issued_at"]
    search_fields = ["number", "application__case_number"]
    exclude = ["body_html"]



@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["application", "method", "recipient_name", "recorded_by", "recorded_at"]
    list_filter = ["method"]
    search_fields = ["application__case_number", "recipient_name", "tracking_number"]
