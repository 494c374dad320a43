"""Reads of the catalogue: the public guide, the API, the spreadsheet export, and the contract for applications.

`current_version(item)` is what the applications issue reads; see also catalog.services.require_applicable.
Every select_related/prefetch of the catalogue lives here.
"""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, Value

from catalog import rules, search
from catalog.codesets import AUDIENCE_OBJECTS, ONLINE_CHANNELS, ListingStatus, MaterialSource
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

GUIDE_PAGE_SIZE = 20
SEARCH_BUNDLE_LIMIT = 6
SEARCH_RESULT_LIMIT = 500  # the best matches a search lists (20 pages)
POPULAR_LIMIT = 8


# --- editions and versions (the contract) ----------------------------------------------------------------


def current_edition() -> Edition | None:
    return Edition.objects.filter(is_current=True).first()


def _published_listing_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}edition__is_current": True, f"{prefix}status": ListingStatus.PUBLISHED})


def current_listing(item: Item | int) -> Listing | None:
    """The item's listing in the current edition (published or withdrawn), with its version; None if absent."""
    item_id = item.pk if isinstance(item, Item) else item
    return (
        Listing.objects.select_related("version", "edition")
        .filter(item_id=item_id, edition__is_current=True)
        .first()
    )


def current_version(item: Item | int) -> ItemVersion | None:
    """The immutable version an application for `item` must point to now, or None when the item is not
    published in the current edition (withdrawn, never published, or no current edition).

    The returned ItemVersion's `snapshot` holds the rules in force, materials included (keys documented on
    catalog.models.ItemVersion); it never changes afterwards, whatever happens to the item. Use
    catalog.services.require_applicable() to check and get it in one step with a proper error.
    """
    listing = current_listing(item)
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        return None
    return listing.version


def versions_of(item: Item) -> list[ItemVersion]:
    return list(ItemVersion.objects.filter(item=item).order_by("-number"))


# --- the public guide ------------------------------------------------------------------------------------


def published_items():
    """Items published in the current edition (an EXISTS, so joins never duplicate rows)."""
    listed = Listing.objects.filter(_published_listing_q(), item=OuterRef("pk"))
    return Item.objects.filter(Exists(listed))


def is_published(item: Item) -> bool:
    return Listing.objects.filter(_published_listing_q(), item=item).exists()


def _full_text(query: str, *, weights: str = "") -> SearchQuery | None:
    text = search.tsquery_text(query, weights=weights)
    return SearchQuery(text, search_type="raw", config="simple") if text else None


def _substring(queryset, query: str):
    for term in rules.search_terms(query):
        queryset = queryset.filter(search_text__contains=term)  # both sides are normalised (case-folded) already
    return queryset


def search_items(items, query: str):
    """`items` matching a visitor's query, most popular first, then the best match (catalog.search): the
    GIN-indexed full-text search, or, when it finds nothing (a fragment such as "经营许", a code's middle),
    the substring search over the denormalised text. Without a query, `items` unchanged.

    The full-text match runs once: one query returns the ids of the best SEARCH_RESULT_LIMIT matches in order;
    the page and its count are then read by primary key (the paginator's COUNT and the page's rows never
    evaluate the tsquery again)."""
    if not rules.search_terms(query):
        return items
    tsquery = _full_text(query)
    if tsquery is not None:
        ranked = (
            items.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery))
            .order_by("-popularity", "-rank", "sort_order", "base_code", "id")
        )
        ids = list(ranked.values_list("id", flat=True)[:SEARCH_RESULT_LIMIT])
        if ids:
            position = Func(Value(ids, output_field=ArrayField(IntegerField())), F("id"), function="array_position")
            return items.filter(pk__in=ids).order_by(position)
    return _substring(items, query).order_by("-popularity", "sort_order", "base_code", "id")


def guide_items(*, query: str = "", department: int | None = None, theme: str = "", audience: str = "", online_only=False):
    """The guide index: published items matching a free-text query (catalog.search: words cut by jieba in a
    GIN-indexed tsvector; popular items first) and the filters; without a query, in the catalogue's order."""
    items = published_items().select_related("competent_department")
    if department:
        items = items.filter(Q(competent_department_id=department) | Q(supervising_department_id=department))
    if theme:
        items = items.filter(Exists(Item.themes.through.objects.filter(item_id=OuterRef("pk"), theme__code=theme)))
    if audience in AUDIENCE_OBJECTS:
        items = items.filter(service_objects__overlap=[str(v) for v in AUDIENCE_OBJECTS[audience]])
    if online_only:
        items = items.filter(fully_online=True)
    items = items.only(
        "id", "name", "base_code", "implementation_code", "item_type", "statutory_limit", "promised_limit",
        "case_type", "channels", "fully_online", "tolerance_allowed", "commitment_allowed", "sort_order",
        "popularity", "competent_department__id", "competent_department__name", "competent_department__short_name",
    ).order_by("sort_order", "base_code", "id")
    return search_items(items, query)


def search_bundles(query: str, *, limit: int = SEARCH_BUNDLE_LIMIT) -> list[Bundle]:
    """Published bundles (一件事) matching the query, best match first: a search shows them before items."""
    if not rules.search_terms(query):
        return []
    bundles = published_bundles().annotate(item_count=Count("entries"))
    tsquery = _full_text(query, weights="A")  # title and keywords: a summary mentions too much
    found = []
    if tsquery is not None:
        found = list(
            bundles.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery))
            .order_by("-rank", "-popularity", "sort_order", "code")[:limit]
        )
    if not found:
        terms = [search.normalise(t) for t in rules.search_terms(query)]
        matched = bundles
        for term in terms:
            matched = matched.filter(Q(title__icontains=term) | Q(keywords__icontains=term))
        found = list(matched.order_by("-popularity", "sort_order", "code")[:limit])
    return found


def popular_items(limit: int = POPULAR_LIMIT) -> list[Item]:
    """The most applied-for published items (then the catalogue's own order): the home page and the empty
    search result suggest them."""
    return list(
        published_items().only("id", "name", "popularity", "sort_order", "base_code")
        .order_by("-popularity", "sort_order", "base_code", "id")[:limit]
    )


def guide_departments() -> list[Department]:
    """Departments with at least one published item, for the guide's filter."""
    listed = Listing.objects.filter(_published_listing_q(), item__competent_department=OuterRef("pk"))
    return list(Department.objects.filter(Exists(listed)).only("id", "name", "short_name", "code"))


def guide_themes() -> list[Theme]:
    return list(Theme.objects.all())


def published_bundles():
    return Bundle.objects.filter(published=True).select_related("theme").order_by("sort_order", "code")


def guide_bundles() -> list[Bundle]:
    return list(published_bundles().annotate(item_count=Count("entries")).order_by("sort_order", "code"))


def guide_item(pk: int, *, include_unpublished: bool = False) -> Item | None:
    """One item with everything its guide page shows, in a fixed number of queries; None when it is not
    published (unless `include_unpublished`, for staff previews)."""
    items = Item.objects.select_related("competent_department", "supervising_department", "section").prefetch_related(
        Prefetch("materials", queryset=Material.objects.order_by("sort_order", "id")),
        Prefetch("faqs", queryset=FAQ.objects.order_by("sort_order", "id")),
        Prefetch("windows", queryset=Window.objects.order_by("code")),
        "themes",
        Prefetch("bundles", queryset=Bundle.objects.filter(published=True).order_by("sort_order"), to_attr="published_bundles"),
    )
    if not include_unpublished:
        items = items.filter(Exists(Listing.objects.filter(_published_listing_q(), item=OuterRef("pk"))))
    item = items.filter(pk=pk).first()
    if item is not None:
        item.listing = current_listing(item)
    return item


def guide_bundle(pk: int) -> Bundle | None:
    entries = BundleItem.objects.select_related("item", "item__competent_department").prefetch_related(
        Prefetch("item__materials", queryset=Material.objects.order_by("sort_order", "id"))
    ).order_by("sort_order", "id")
    return (
        published_bundles()
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="ordered_entries"))
        .filter(pk=pk)
        .first()
    )


def material_dict(material: Material) -> dict:
    return {
        "id": material.pk,
        "code": material.code,
        "name": material.name,
        "sort_order": material.sort_order,
        "requirement": material.requirement,
        "condition": material.condition,
        "originals": material.originals,
        "copies": material.copies,
        "medium": material.medium,
        "tolerable": material.tolerable,
        "source": material.source,
        "shared_from": material.shared_from,
        "notes": material.notes,
        "registry_certificate_name": material.registry_certificate_name,
        "has_blank_form": bool(material.blank_form),
        "has_sample": bool(material.sample),
    }


def bundle_materials(bundle: Bundle) -> list[dict]:
    """The bundle's merged material list (a material several items need is asked once); expects
    `guide_bundle()`'s prefetches."""
    entries = getattr(bundle, "ordered_entries", None) or list(
        bundle.entries.select_related("item").prefetch_related("item__materials").order_by("sort_order")
    )
    return rules.merge_materials(
        (entry.item.name, [material_dict(m) for m in entry.item.materials.all()]) for entry in entries
    )


def bundle_blank_forms(bundle: Bundle, materials: list[dict]) -> None:
    """Give each merged material of the bundle guide (`bundle_materials`) `blank_forms`: the blank form of every
    item's version of it that has one, as [{"id": catalogue material id, "item": item name}] (a material several
    items ask for may have a form per item; none: an empty list). Uses `guide_bundle()`'s prefetches."""
    entries = getattr(bundle, "ordered_entries", None) or []
    by_key: dict[str, list[dict]] = {}
    for entry in entries:
        for material in entry.item.materials.all():
            if material.blank_form:
                by_key.setdefault(rules.material_key(material_dict(material)), []).append(
                    {"id": material.pk, "item": entry.item.name})
    for merged in materials:
        merged["blank_forms"] = by_key.get(rules.material_key(merged), [])


def downloadable_material(pk: int, *, include_unpublished: bool = False) -> Material | None:
    materials = Material.objects.select_related("item")
    if not include_unpublished:
        listed = Listing.objects.filter(_published_listing_q(), item=OuterRef("item_id"))
        materials = materials.filter(Exists(listed))
    return materials.filter(pk=pk).first()


# --- API -------------------------------------------------------------------------------------------------


def api_items(*, query="", department="", theme="", service_object="", online=None):
    items = published_items().select_related("competent_department", "supervising_department", "section")
    if department:
        key = Q(competent_department__code=department)
        if str(department).isdigit():
            key |= Q(competent_department_id=int(department))
        items = items.filter(key)
    if theme:
        items = items.filter(Exists(Item.themes.through.objects.filter(item_id=OuterRef("pk"), theme__code=theme)))
    if service_object:
        items = items.filter(service_objects__contains=[service_object])
    if online is True:
        items = items.filter(channels__overlap=[str(c) for c in ONLINE_CHANNELS])
    elif online is False:
        items = items.exclude(channels__overlap=[str(c) for c in ONLINE_CHANNELS])
    items = items.prefetch_related(
        Prefetch("materials", queryset=Material.objects.order_by("sort_order", "id")), "themes"
    ).order_by("sort_order", "base_code", "id")
    return search_items(items, query)  # the guide's search: same words, same ranking


def api_materials(*, item=None):
    listed = Listing.objects.filter(_published_listing_q(), item=OuterRef("item_id"))
    materials = Material.objects.filter(Exists(listed)).select_related("item")
    if item:
        materials = materials.filter(item_id=item)
    return materials.order_by("item_id", "sort_order", "id")


def api_bundles(*, query: str = ""):
    bundles = published_bundles()
    if rules.search_terms(query):
        tsquery = _full_text(query, weights="A")
        if tsquery is not None:
            bundles = bundles.filter(search_vector=tsquery).annotate(
                rank=SearchRank(F("search_vector"), tsquery)
            ).order_by("-rank", "-popularity", "sort_order", "code")
        else:
            bundles = bundles.none()
    return bundles.prefetch_related(
        Prefetch(
            "entries",
            queryset=BundleItem.objects.select_related("item").prefetch_related("item__materials").order_by("sort_order"),
            to_attr="ordered_entries",
        )
    )


def api_departments():
    return Department.objects.annotate(
        item_count=Count("competent_items", filter=Q(competent_items__in=published_items()), distinct=True)
    ).order_by("code")


# --- spreadsheet -----------------------------------------------------------------------------------------


ITEM_EXPORT_FIELDS = (
    "implementation_code", "base_code", "name", "item_type", "level", "service_objects", "competent_department_id",
    "supervising_department_id", "section_id", "implementing_body", "legal_basis", "conditions", "statutory_limit",
    "promised_limit", "limit_note", "case_type", "channels", "fully_online", "max_visits", "fee_kind", "fee_amount",
    "fee_text", "inspection_required", "risk_level", "legal_review_required", "tolerance_allowed",
    "commitment_allowed", "certificate_name", "certificate_validity_years", "keywords", "consult_phone", "procedure",
)


def export_records(items=None) -> tuple[list[dict], list[dict], dict[str, dict[int, str]]]:
    """(item records, material records, id->name tables) for catalog.spreadsheet's writers; 4 queries +
    2 for the many-to-many columns."""
    items = (items if items is not None else Item.objects.all()).order_by("sort_order", "base_code", "id")
    item_records = []
    item_ids = []
    for row in items.values("id", *ITEM_EXPORT_FIELDS):
        record = dict(row)
        record["competent_department"] = record.pop("competent_department_id")
        record["supervising_department"] = record.pop("supervising_department_id")
        record["section"] = record.pop("section_id")
        record["themes"], record["windows"] = [], []
        item_records.append(record)
        item_ids.append(row["id"])
    by_id = {r["id"]: r for r in item_records}
    for item_id, theme_id in Item.themes.through.objects.filter(item_id__in=item_ids).values_list("item_id", "theme_id"):
        by_id[item_id]["themes"].append(theme_id)
    for item_id, window_id in Item.windows.through.objects.filter(item_id__in=item_ids).values_list("item_id", "window_id"):
        by_id[item_id]["windows"].append(window_id)
    material_records = []
    for row in (
        Material.objects.filter(item_id__in=item_ids)
        .order_by("item__sort_order", "item__base_code", "item_id", "sort_order", "id")
        .values("item__implementation_code", "item__name", "sort_order", "name", "code", "requirement", "condition",
                "originals", "copies", "medium", "tolerable", "source", "shared_from", "notes",
                "registry_certificate_name")
    ):
        record = dict(row)
        record["item_code"] = record.pop("item__implementation_code")
        record["item_name"] = record.pop("item__name")
        material_records.append(record)
    names = {
        "departments": dict(Department.objects.values_list("id", "name")),
        "sections": dict(Section.objects.values_list("id", "name")),
        "themes": dict(Theme.objects.values_list("id", "name")),
        "windows": dict(Window.objects.values_list("id", "code")),
    }
    return item_records, material_records, names


def spreadsheet_references():
    from catalog.spreadsheet import References

    return References(
        departments=References.table(Department.objects.values_list("id", "code", "name", "short_name")),
        sections=References.table(Section.objects.values_list("id", "code", "name")),
        themes=References.table(Theme.objects.values_list("id", "code", "name")),
        windows=References.table(Window.objects.values_list("id", "code")),
        existing_items=dict(Item.objects.values_list("implementation_code", "tolerance_allowed")),
    )


def asked_material_count(item: Item) -> int:
    return item.materials.filter(source=MaterialSource.APPLICANT).count()
