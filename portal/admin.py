from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal import services
from portal.forms import CitizenIdField
from portal.models import (
    AuditEvent,
    CalendarDay,
    LoginFailure,
    MaintenanceAlert,
    Notification,
    NotificationDelivery,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "real_name", "mobile", "email", "is_active", "is_staff")
    search_fields = ("username", "real_name", "mobile", "email", "citizen_id")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("实名信息"), {"fields": ("real_name", "mobile", "citizen_id")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("实名信息"), {"fields": ("real_name", "mobile", "citizen_id", "groups")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "citizen_id":
            return CitizenIdField(label=db_field.verbose_name, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(d.year, str(d.year)) for d in years]

    def queryset(self, request, queryset):
        return queryset.filter(date__year=self.value()) if self.value() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "source", "updated_at")
    list_filter = (YearFilter, "kind", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)
    fields = ("date", "kind", "name")

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        obj.source = "manual"
        super().save_model(request, obj, form, change)
        services.record_audit(request.user, "calendar_change" if change else "calendar_add", obj, request=request)
        services.check_calendar_coverage()

    def delete_model(self, request, obj):
        services.record_audit(request.user, "calendar_delete", obj, request=request)
        super().delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "actor_role", "action", "object_repr", "from_state", "to_state")
    list_filter = ("action", "actor_role")
    search_fields = ("actor_name", "object_repr", "object_id", "opinion")
    date_hierarchy = "created_at"


@admin.register(MaintenanceAlert)
class MaintenanceAlertAdmin(ReadOnlyAdmin):
    list_display = ("code", "message", "raised_at", "resolved_at")


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "scope", "username", "subject", "ip_address")
    list_filter = ("scope",)
    search_fields = ("username", "subject", "ip_address")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    search_fields = ("title", "recipient__username")


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "address", "status", "attempts", "last_error")
    list_filter = ("channel", "status")


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only services write (audited): the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
