"""The public service guide (办事指南): no sign-in needed. Thin: parse input, call a selector, render."""
from __future__ import annotations

from pathlib import Path

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.web import querystring_without_page
from catalog import guide_sections, selectors
from catalog.codesets import ONLINE_CHANNELS, Channel, ServiceObject, label_of
from catalog.forms import GuideSearchForm
from portal import navigation
from portal.documents import render_pdf
from portal.filenames import content_disposition

PDF_CACHE_SECONDS = 3600


def _may_preview(user) -> bool:
    """Catalogue maintainers may look at unpublished items (with a banner saying so)."""
    return user.is_authenticated and user.has_perm("catalog.view_item")


@require_GET
def index(request):
    departments = selectors.guide_departments()
    themes = selectors.guide_themes()
    form = GuideSearchForm(request.GET or None, departments=departments, themes=themes)
    filters = form.filters()
    paginator = Paginator(selectors.guide_items(**filters), selectors.GUIDE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    searching = any(filters.values())
    query = filters["query"]
    # A search shows the matching bundles (一件事) first, on its first page; a plain listing shows them all.
    found_bundles = selectors.search_bundles(query) if query and page.number == 1 else []
    empty = not page.object_list and not found_bundles
    context = {
        "form": form,
        "page": page,
        "searching": searching,
        "query": query,
        "found_bundles": found_bundles,
        "popular": selectors.popular_items() if empty else [],
        "bundles": [] if searching or page.number > 1 else selectors.guide_bundles(),
        "themes": themes,
        "active_theme": filters["theme"],
        "querystring": querystring_without_page(request),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "guide-results":
        return render(request, "catalog/_results.html", context)
    return render(request, "catalog/index.html", context)


def _item_context(item) -> dict:
    return {
        "item": item,
        "listing": getattr(item, "listing", None),
        "materials": list(item.materials.all()),
        "faqs": list(item.faqs.all()),
        "windows": list(item.windows.all()),
        "themes": list(item.themes.all()),
        "bundles": item.published_bundles,
        "service_objects": [label_of(ServiceObject, v) for v in item.service_objects],
        "channels": [label_of(Channel, v) for v in sorted(item.channels)],
        "online": any(c in item.channels for c in ONLINE_CHANNELS),
        "cut_percent": item.limit_cut_percent,
    }


@require_GET
def item_detail(request, pk: int):
    preview = _may_preview(request.user)
    item = selectors.guide_item(pk, include_unpublished=preview)
    if item is None:
        raise Http404(_("事项不存在或未发布。"))
    context = _item_context(item)
    context["preview"] = preview and (item.listing is None or item.listing.status != "published")
    context["apply_url"] = navigation.action_url("apply_item", item.pk)
    context["extra_sections"] = guide_sections.for_item(item)
    return render(request, "catalog/item.html", context)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, attachment=False)
    return response


@require_GET
def item_pdf(request, pk: int):
    """The printable guide. Cached by the published version's digest: it changes exactly when the guide does."""
    item = selectors.guide_item(pk)
    if item is None:
        raise Http404(_("事项不存在或未发布。"))
    key = f"catalog:guide-pdf:item:{item.pk}:{item.listing.version.digest}"
    pdf = cache.get(key)
    if pdf is None:
        context = _item_context(item)
        context["version"] = item.listing.version
        pdf = render_pdf("catalog/pdf/item_guide.html", context)
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return _pdf_response(pdf, f"{item.name}办事指南.pdf")


def _bundle_context(bundle) -> dict:
    entries = bundle.ordered_entries
    materials = selectors.bundle_materials(bundle)
    selectors.bundle_blank_forms(bundle, materials)
    return {
        "bundle": bundle,
        "entries": entries,
        "materials": materials,
        "statutory_sum": sum(e.item.statutory_limit for e in entries),
        "promised_sum": sum(e.item.promised_limit for e in entries),
        "online": bool(entries) and all(any(c in e.item.channels for c in ONLINE_CHANNELS) for e in entries),
        "cut_percent": _cut(bundle.statutory_limit, bundle.promised_limit),
    }


def _cut(statutory, promised):
    from catalog.rules import limit_cut_percent

    return limit_cut_percent(statutory, promised)


@require_GET
def bundle_detail(request, pk: int):
    bundle = selectors.guide_bundle(pk)
    if bundle is None:
        raise Http404(_("一件事不存在或未发布。"))
    context = _bundle_context(bundle)
    context["apply_url"] = navigation.action_url("apply_bundle", bundle.pk)
    return render(request, "catalog/bundle.html", context)


@require_GET
def bundle_pdf(request, pk: int):
    bundle = selectors.guide_bundle(pk)
    if bundle is None:
        raise Http404(_("一件事不存在或未发布。"))
    pdf = render_pdf("catalog/pdf/bundle_guide.html", _bundle_context(bundle))
    return _pdf_response(pdf, f"{bundle.title}办事指南.pdf")


@require_GET
def material_file(request, pk: int, kind: str):
    """Download a blank form or a filled-in sample of a published item's material."""
    if kind not in ("form", "sample"):
        raise Http404
    material = selectors.downloadable_material(pk, include_unpublished=_may_preview(request.user))
    field = None if material is None else (material.blank_form if kind == "form" else material.sample)
    if not field:
        raise Http404(_("该材料没有可下载的文件。"))
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在。")) from None
    label = _("空白表格") if kind == "form" else _("示例样表")
    filename = f"{material.name}（{label}）{Path(field.name).suffix}"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Disposition"] = content_disposition(filename, attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response
