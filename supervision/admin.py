from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from supervision.models import (
    Delivery,
    DepartmentToken,
    Handoff,
    RuleChangeNotice,
    Subscription,
    SupervisionRecord,
)


@admin.register(RuleChangeNotice)
class RuleChangeNoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "department", "effective_on", "posted_at", "read_at")
    list_filter = ("department",)
    readonly_fields = ("department", "title", "body", "items", "effective_on", "posted_by", "posted_at")


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ("department", "sequence", "kind", "created_at", "claim_due_on", "claimed_at", "overdue_since")
    list_filter = ("department", "kind")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "sequence", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status",)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("department", "name", "url", "active", "created_at")
    exclude = ("secret", "previous_secret")


@admin.register(DepartmentToken)
class DepartmentTokenAdmin(ReadOnlyAdmin):
    list_display = ("department", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(SupervisionRecord)
class SupervisionRecordAdmin(ReadOnlyAdmin):
    list_display = ("handoff", "kind", "document_number", "recorded_by", "recorded_at")
    list_filter = ("kind",)
