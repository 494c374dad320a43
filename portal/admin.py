from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
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
    RollupHorizon,
    RollupStale,
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

    change_list_template = "admin/portal/calendarday/change_list.html"

    # Every edit goes through portal.services.change_calendar: audited, open cases recomputed, every process told.

    def save_model(self, request, obj, form, change):
        entries = [services.CalendarEntry(obj.date, obj.kind, obj.name)]
        old_date = form.initial.get("date") if change else None
        if old_date and old_date != obj.date:
            entries.insert(0, services.CalendarEntry(old_date, ""))
        services.change_calendar(entries, by=request.user, request=request)
        saved = CalendarDay.objects.filter(date=obj.date).first()
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.change_calendar([services.CalendarEntry(obj.date, "")], by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        services.change_calendar([services.CalendarEntry(d, "") for d in queryset.values_list("date", flat=True)],
                                 by=request.user, request=request)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="portal_calendarday_import"),
                *super().get_urls()]

    def import_view(self, request):
        """A year from the State Council's notice: pasted, previewed (what changes), then saved in one go."""
        if not (request.user.has_perm("portal.add_calendarday") and request.user.has_perm("portal.change_calendarday")):
            raise PermissionDenied
        from portal import calendar_import

        text = request.POST.get("text", "")
        rows, problems = calendar_import.parse(text) if request.method == "POST" else ([], [])
        current = {d.date: d for d in CalendarDay.objects.filter(date__in=[r.date for r in rows])}
        preview = [{"row": r, "weekday": "一二三四五六日"[r.date.weekday()], "current": current.get(r.date),
                    "changes": current.get(r.date) is None or (current[r.date].kind, current[r.date].name) != (r.kind, r.name)}
                   for r in rows]
        if request.method == "POST" and request.POST.get("confirm") and rows and not problems:
            changed = services.change_calendar([services.CalendarEntry(r.date, r.kind, r.name) for r in rows],
                                               by=request.user, request=request)
            messages.success(request, _("已导入 %(n)s 个日期（其中 %(c)s 个有变化），在办案件的办结期限已按新日历重新计算。")
                             % {"n": len(rows), "c": len(changed)})
            return redirect("admin:portal_calendarday_changelist")
        return TemplateResponse(request, "admin/portal/calendarday/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("导入年度放假安排"),
            "text": text, "preview": preview, "problems": problems,
            "changes": sum(1 for p in preview if p["changes"]),
        })


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only services write (audited): the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
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


@admin.register(RollupHorizon)
class RollupHorizonAdmin(ReadOnlyAdmin):
    """How far each dashboard roll-up has counted (portal/rollups.py); the nightly task moves it."""

    list_display = ["key", "rolled_through", "rolled_at", "time_zone"]


@admin.register(RollupStale)
class RollupStaleAdmin(ReadOnlyAdmin):
    """Days a roll-up must count again (marked by its triggers), read live until the next roll-up."""

    list_display = ["key", "since", "marked_at"]
    list_filter = ["key"]
