"""Read-only admin of the staged workflow's records (every change goes through approvals.cases.services)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from approvals.cases.models import (
    ApprovalCase,
    CaseWarning,
    Decision,
    ExtensionRequest,
    Inspection,
    InspectionEvidence,
    LegalReview,
    Suspension,
    TimerSweep,
)
from portal.admin import ReadOnlyAdmin


@admin.register(ApprovalCase)
class ApprovalCaseAdmin(ReadOnlyAdmin):
    list_display = ["id", "application", "item_version", "section", "stage", "assignee", "warning",
                    "statutory_alarm_now", "promised_due_date", "statutory_due_date"]
    list_filter = ["stage", "section"]
    search_fields = ["application__case_number", "application__title"]
    list_select_related = ["application", "item_version", "section", "assignee"]
    raw_id_fields = ["application"]

    @admin.display(description=_("预警"))
    def warning(self, case):
        return case.colour.label

    @admin.display(description=_("法定时限告警"), boolean=True)
    def statutory_alarm_now(self, case):
        return case.statutory_alarm


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["id", "scheduled_on", "place", "outcome", "rectify_deadline", "recorded_at"]
    list_filter = ["outcome"]


@admin.register(InspectionEvidence)
class InspectionEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "inspection", "content_type", "size", "uploaded_at"]
    exclude = ["file"]  # served only through the permission-checked view


@admin.register(LegalReview)
class LegalReviewAdmin(ReadOnlyAdmin):
    list_display = ["case", "reviewer", "outcome", "created_at"]
    list_filter = ["outcome"]
    list_select_related = ["case__application", "case__item_version", "reviewer"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "outcome", "decided_by", "decided_at", "holder_name", "valid_until"]
    list_filter = ["outcome"]
    list_select_related = ["case__application", "case__item_version", "decided_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["case", "days", "status", "requested_by", "decided_by", "requested_at"]
    list_filter = ["status"]
    list_select_related = ["case__application", "case__item_version", "requested_by", "decided_by"]


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "start", "expected_end", "end"]
    list_filter = ["kind"]
    list_select_related = ["case__application", "case__item_version"]


@admin.register(TimerSweep)
class TimerSweepAdmin(ReadOnlyAdmin):
    list_display = ["day", "swept_at", "warnings"]


@admin.register(CaseWarning)
class CaseWarningAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "due_date", "day", "sent_at"]
    list_filter = ["kind", "day"]
    date_hierarchy = "day"
    list_select_related = ["case__application"]
