from django.contrib import admin

from catalog.models import Department, Section


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name")
    search_fields = ("code", "name", "short_name")
    filter_horizontal = ("members",)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "head")
    search_fields = ("code", "name")
    filter_horizontal = ("members",)
    autocomplete_fields = ("head",)
