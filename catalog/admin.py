"""Catalogue maintenance in the admin. Writes that carry rules (search text, versions, publication,
import, audit) go through catalog.services; the admin only collects the input."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import selectors, services, spreadsheet
from catalog.forms import ImportForm, ItemAdminForm, WithdrawForm
from catalog.models import (
    FAQ,
    Bundle,
    BundleItem,
    Department,
    Edition,
    Item,
    ItemVersion,
    Listing,
    Material,
    Section,
    Theme,
    Window,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "credit_code")
    search_fields = ("code", "name", "short_name")
    filter_horizontal = ("members",)

    def save_model(self, request, obj, form, change):
        services.save_department(obj, by=request.user, request=request)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "head", "phone")
    search_fields = ("code", "name")
    filter_horizontal = ("members",)
    autocomplete_fields = ("head",)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "location", "phone")
    search_fields = ("code", "name", "location")


class MaterialInline(admin.StackedInline):
    model = Material
    extra = 0
    fieldsets = (
        (None, {"fields": (("sort_order", "name", "code"), ("requirement", "condition"), ("originals", "copies", "medium"))}),
        (gettext_lazy("来源、容缺与表格"), {"fields": (("source", "shared_from", "tolerable"), "registry_certificate_name",
                                                   "notes", ("blank_form", "sample"))}),
    )


class FAQInline(admin.TabularInline):
    model = FAQ
    extra = 0
    fields = ("sort_order", "question", "answer")


class PublicationFilter(admin.SimpleListFilter):
    title = gettext_lazy("发布状态")
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("published", _("现行清单已发布")), ("unpublished", _("未发布或已取消"))]

    def queryset(self, request, queryset):
        published = selectors.published_items().values("pk")
        if self.value() == "published":
            return queryset.filter(pk__in=published)
        if self.value() == "unpublished":
            return queryset.exclude(pk__in=published)
        return queryset


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    form = ItemAdminForm
    inlines = [MaterialInline, FAQInline]
    list_display = (
        "name", "implementation_code", "competent_department", "section", "statutory_limit", "promised_limit",
        "case_type", "publication",
    )
    list_filter = (
        PublicationFilter, "competent_department", "section", "item_type", "case_type", "tolerance_allowed",
        "commitment_allowed", "legal_review_required", "inspection_required", "fully_online",
    )
    search_fields = ("name", "implementation_code", "base_code", "keywords")
    list_select_related = ("competent_department", "section")
    filter_horizontal = ("themes", "windows")
    readonly_fields = ("publication_detail",)
    actions = ["publish_selected", "withdraw_selected"]
    save_on_top = True
    fieldsets = (
        (gettext_lazy("编码与名称"), {"fields": ("publication_detail", ("base_code", "implementation_code"), "name", ("item_type", "level"), "service_objects", "keywords", "sort_order")}),
        (gettext_lazy("实施与部门"), {"fields": (("implementing_body", "implementing_body_code"), ("competent_department", "supervising_department"), "section", "windows", "themes")}),
        (gettext_lazy("依据与条件"), {"fields": ("legal_basis", "conditions", "procedure")}),
        (gettext_lazy("时限"), {"fields": (("statutory_limit", "promised_limit", "case_type"), "limit_note")}),
        (gettext_lazy("渠道与收费"), {"fields": ("channels", ("fully_online", "max_visits"), ("fee_kind", "fee_amount"), "fee_text", "consult_phone")}),
        (gettext_lazy("审批要求"), {"fields": (("inspection_required", "legal_review_required", "risk_level"), ("tolerance_allowed", "commitment_allowed"), ("certificate_name", "certificate_validity_years", "renewal_lead_days"))}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            # one query for the list's publication column
            "listings__edition"
        )

    @admin.display(description=gettext_lazy("现行清单"))
    def publication(self, obj):
        for listing in obj.listings.all():
            if listing.edition.is_current:
                if listing.status == "published":
                    return format_html('<span style="color:#1b7f3b">{}</span>', _("已发布"))
                return _("已取消")
        return _("未发布")

    @admin.display(description=gettext_lazy("发布状态"))
    def publication_detail(self, obj):
        if not obj.pk:
            return _("新事项：保存并添加材料后，用列表页的“发布到现行清单”操作发布。")
        listing = selectors.current_listing(obj)
        if listing is None:
            return _("未在现行清单中发布")
        if listing.status == "published":
            return format_html(
                '{}（{}，第 {} 版） · <a href="{}">{}</a>',
                _("已发布"), listing.edition.title, listing.version.number, reverse("catalog:item", args=[obj.pk]), _("查看办事指南"),
            )
        return _("已取消：%(reason)s") % {"reason": listing.withdraw_reason}

    def save_model(self, request, obj, form, change):
        services.save_item(obj, by=request.user, request=request)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version = services.refresh_published_version(form.instance, by=request.user, request=request)
        if version is not None and version.created_at >= timezone.now() - timezone.timedelta(seconds=30):
            messages.info(request, _("已发布的事项内容有变化，已生成第 %(n)s 版；此前的申请仍按原版本办理。") % {"n": version.number})

    @admin.action(description=gettext_lazy("发布到现行清单"), permissions=["change"])
    def publish_selected(self, request, queryset):
        done, failed = 0, []
        for item in queryset:
            try:
                services.publish_item(item, by=request.user, request=request)
                done += 1
            except ValidationError as exc:
                failed.append("；".join(exc.messages))
        if done:
            messages.success(request, _("已发布 %(n)s 个事项。") % {"n": done})
        for message in failed:
            messages.error(request, message)

    @admin.action(description=gettext_lazy("从现行清单中取消"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        form = WithdrawForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, failed = 0, []
            for item in queryset:
                try:
                    services.withdraw_item(item, by=request.user, reason=form.cleaned_data["reason"], request=request)
                    done += 1
                except ValidationError as exc:
                    failed.append("；".join(exc.messages))
            if done:
                messages.success(request, _("已取消 %(n)s 个事项；已受理的申请不受影响。") % {"n": done})
            for message in failed:
                messages.error(request, message)
            return None
        return TemplateResponse(
            request,
            "admin/catalog/item/withdraw.html",
            {**self.admin_site.each_context(request), "form": form, "items": queryset, "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "title": _("从现行清单中取消事项")},
        )

    # --- spreadsheet import / export ---------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_item_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_item_export"),
        ]
        return extra + super().get_urls()

    def _may_import(self, request) -> bool:
        return request.user.has_perm("catalog.add_item") and request.user.has_perm("catalog.change_item")

    def import_view(self, request):
        if not self._may_import(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("导入事项清单")}
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            refs = selectors.spreadsheet_references()
            try:
                result = spreadsheet.parse(upload.read(), upload.name, refs)
            except spreadsheet.SpreadsheetError as exc:
                form.add_error("file", str(exc))
            else:
                context.update(result=result, filename=upload.name)
                if result.errors:
                    context["errors"] = result.errors
                elif form.cleaned_data["dry_run"]:
                    new = sum(1 for r in result.items if r["implementation_code"] not in refs.existing_items)
                    context.update(dry_run_ok=True, new_items=new, updated_items=len(result.items) - new)
                else:
                    try:
                        summary = services.import_catalogue(
                            result, by=request.user, filename=upload.name, publish=form.cleaned_data["publish"], request=request
                        )
                    except ValidationError as exc:
                        form.add_error(None, exc)
                    else:
                        messages.success(request, _("导入完成：%(s)s") % {"s": summary.as_text()})
                        return HttpResponseRedirect(reverse("admin:catalog_item_changelist"))
        context["form"] = form
        return TemplateResponse(request, "admin/catalog/item/import.html", context)

    def export_view(self, request):
        if not request.user.has_perm("catalog.view_item"):
            raise PermissionDenied
        fmt = request.GET.get("format", "xlsx")
        items, materials, names = selectors.export_records()
        stamp = timezone.localdate().strftime("%Y%m%d")
        if fmt == "csv":
            sheet = spreadsheet.MATERIAL_SHEET if request.GET.get("sheet") == "materials" else spreadsheet.ITEM_SHEET
            data = spreadsheet.write_csv(sheet, items if sheet == spreadsheet.ITEM_SHEET else materials, names)
            content_type, filename = "text/csv; charset=utf-8", f"事项清单-{sheet}-{stamp}.csv"
        else:
            data = spreadsheet.write_xlsx(items, materials, names)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            filename = f"事项清单-{stamp}.xlsx"
        from django.utils.http import content_disposition_header

        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 1
    autocomplete_fields = ("item",)
    fields = ("sort_order", "item")


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    inlines = [BundleItemInline]
    list_display = ("title", "code", "handling", "joint_issuance", "statutory_limit", "promised_limit", "published")
    list_filter = ("published", "handling", "theme")
    search_fields = ("title", "code", "keywords")
    readonly_fields = ("published", "popularity")

    def save_model(self, request, obj, form, change):
        services.save_bundle(obj, by=request.user, request=request)  # its search words in step
    actions = ["publish_selected", "withdraw_selected"]

    @admin.action(description=gettext_lazy("发布一件事"), permissions=["change"])
    def publish_selected(self, request, queryset):
        for bundle in queryset:
            try:
                services.set_bundle_published(bundle, True, by=request.user, request=request)
                messages.success(request, _("已发布：%(t)s") % {"t": bundle.title})
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))

    @admin.action(description=gettext_lazy("取消发布一件事"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        for bundle in queryset:
            services.set_bundle_published(bundle, False, by=request.user, request=request)
        messages.success(request, _("已取消发布所选一件事。"))


class ListingInline(admin.TabularInline):
    model = Listing
    extra = 0
    can_delete = False
    fields = ("item", "version", "status", "published_at", "withdrawn_at", "withdraw_reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "is_current", "published_on", "document_number")
    readonly_fields = ("is_current",)
    inlines = [ListingInline]

    def get_inlines(self, request, obj):
        return [ListingInline] if obj else []

    def save_model(self, request, obj, form, change):
        if change:  # corrections go through the service (audited with old and new values)
            services.update_edition(obj, {name: form.cleaned_data[name] for name in form.changed_data
                                          if name in services.EDITION_FIELDS}, by=request.user, request=request)
            return
        # A new edition becomes current and carries over what the previous one published.
        edition = services.start_edition(
            obj.code, obj.title, by=request.user, published_on=obj.published_on, document_number=obj.document_number,
            request=request,
        )
        obj.pk, obj.is_current, obj.created_at = edition.pk, edition.is_current, edition.created_at


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    """Versions are immutable (the database refuses changes): read only."""

    list_display = ("item", "number", "created_at", "created_by_name")
    list_select_related = ("item",)
    search_fields = ("item__name", "item__implementation_code")
    readonly_fields = ("item", "number", "digest", "created_at", "created_by_name", "pretty_snapshot")
    exclude = ("snapshot",)

    @admin.display(description=gettext_lazy("事项快照"))
    def pretty_snapshot(self, obj):
        import json

        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(obj.snapshot, ensure_ascii=False, indent=2))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
