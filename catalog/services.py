"""Writes of the catalogue, one function per use case, each in one transaction with its audit row.

The contract for the applications issue is `require_applicable(item)` / `require_applicable_bundle(bundle)`:
call it in the transaction that accepts an application and store the ItemVersion it returns.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import rules, search, selectors
from catalog.codesets import Channel, ListingStatus, label_of
from catalog.models import (
    Bundle,
    Department,
    Edition,
    Item,
    ItemVersion,
    Listing,
    Material,
)
from portal.audit import record_audit


class ItemNotApplicable(ValidationError):
    """The item (or bundle) cannot be applied for now: not in the current edition, withdrawn, or not
    through the asked channel. A ValidationError, so forms and DRF show its Chinese message as they are."""


# --- the contract for applications -----------------------------------------------------------------------


def require_applicable(item: Item | int, *, channel: str | None = None) -> ItemVersion:
    """Check that `item` can be applied for now and return the ItemVersion the application must point to.

    Raises ItemNotApplicable (a django.core.exceptions.ValidationError) with a Chinese message when:
    - the item is not published in the current edition (never published, withdrawn, or no current
      edition): code "not_published" ("清单之外无审批");
    - `channel` is given (a catalog.codesets.Channel code: "1" window, "2" PC, "3" mobile, "4" express)
      and the version in force does not allow it: code "channel_not_allowed".

    The check reads the published version, not the working copy an administrator may be editing, so the
    rules the application gets are exactly those the public guide shows. Call it inside the transaction
    that creates the application; an item withdrawn after that commit does not touch the application.
    """
    item_id = item.pk if isinstance(item, Item) else int(item)
    listing = selectors.current_listing(item_id)
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        name = item.name if isinstance(item, Item) else (Item.objects.filter(pk=item_id).values_list("name", flat=True).first() or item_id)
        raise ItemNotApplicable(
            _("“%(name)s”不在现行事项清单中或已取消，不能申请（清单之外无审批）。"),
            code="not_published",
            params={"name": name},
        )
    version = listing.version
    if channel is not None and str(channel) not in version.channels:
        raise ItemNotApplicable(
            _("“%(name)s”不支持%(channel)s，请选择其他办理渠道。"),
            code="channel_not_allowed",
            params={"name": version.name, "channel": label_of(Channel, str(channel))},
        )
    return version


def require_applicable_bundle(bundle: Bundle | int, *, channel: str | None = None) -> list[ItemVersion]:
    """Check that a bundle (一件事) can be applied for and return the version of each of its items, in
    the bundle's order.

    Raises ItemNotApplicable when the bundle is not published (code "bundle_not_published"), has no items
    (code "bundle_empty"), or any of its items fails require_applicable() (that item's error, naming it).
    """
    bundle = bundle if isinstance(bundle, Bundle) else Bundle.objects.filter(pk=bundle).first()
    if bundle is None or not bundle.published:
        raise ItemNotApplicable(
            _("“%(title)s”未发布，不能申请。"), code="bundle_not_published", params={"title": bundle or "—"}
        )
    item_ids = list(bundle.entries.order_by("sort_order", "id").values_list("item_id", flat=True))
    if not item_ids:
        raise ItemNotApplicable(_("“%(title)s”未包含任何事项。"), code="bundle_empty", params={"title": bundle})
    return [require_applicable(item_id, channel=channel) for item_id in item_ids]


# --- saving items ----------------------------------------------------------------------------------------


def refresh_search_text(item: Item) -> None:
    """Recompute the denormalised search columns: the substring text and the words of the full-text search
    (catalog.search; the database derives search_vector from them). Not saved here."""
    departments = Department.objects.filter(pk__in=[item.competent_department_id, item.supervising_department_id])
    names = []
    for department in departments:
        names.extend(n for n in (department.name, department.short_name) if n)
    item.search_text = rules.build_search_text(
        item.name, item.keywords, *names, item.certificate_name, item.base_code, item.implementation_code
    )
    item.search_words, item.search_extra = search.item_documents(
        name=item.name, keywords=item.keywords, certificate_name=item.certificate_name, department_names=names,
        codes=(item.base_code, item.implementation_code),
    )


def refresh_bundle_search(bundle: Bundle) -> None:
    """Recompute a bundle's full-text search words (not saved here)."""
    theme = bundle.theme.name if bundle.theme_id else ""
    bundle.search_words, bundle.search_extra = search.bundle_documents(
        title=bundle.title, keywords=bundle.keywords, summary=bundle.summary, theme_name=theme
    )


@transaction.atomic
def save_item(item: Item, *, by=None, request=None) -> Item:
    """Save an item's own fields (search text kept in step). A published item is re-frozen by
    `refresh_published_version()` once its materials are saved too."""
    created = item.pk is None
    refresh_search_text(item)
    item.full_clean(exclude=["search_text"], validate_unique=True)
    item.save()
    record_audit(by, "catalog_item_create" if created else "catalog_item_change", item, request=request)
    return item


@transaction.atomic
def save_department(department: Department, *, by=None, request=None) -> Department:
    """Save a department; its items' search text follows a change of name."""
    department.save()
    items = Item.objects.filter(competent_department=department) | Item.objects.filter(supervising_department=department)
    for item in items.distinct():
        refresh_search_text(item)
        Item.objects.filter(pk=item.pk).update(
            search_text=item.search_text, search_words=item.search_words, search_extra=item.search_extra
        )
    record_audit(by, "catalog_department_change", department, request=request)
    return department


# --- versions, editions, publication ---------------------------------------------------------------------


def build_snapshot(item: Item) -> dict:
    """The item as published, from fresh queries (never from prefetch caches that may be stale)."""
    item = Item.objects.select_related("competent_department", "supervising_department", "section").get(pk=item.pk)

    def department(d):
        return {"id": d.pk, "code": d.code, "name": d.name}

    return {
        "schema": ItemVersion.SCHEMA,
        "id": item.pk,
        "base_code": item.base_code,
        "implementation_code": item.implementation_code,
        "name": item.name,
        "item_type": item.item_type,
        "level": item.level,
        "service_objects": sorted(item.service_objects),
        "legal_basis": item.legal_basis,
        "implementing_body": item.implementing_body,
        "implementing_body_code": item.implementing_body_code,
        "competent_department": department(item.competent_department),
        "supervising_department": department(item.supervising_department),
        "section": {"id": item.section_id, "code": item.section.code, "name": item.section.name},
        "statutory_limit": item.statutory_limit,
        "promised_limit": item.promised_limit,
        "limit_note": item.limit_note,
        "case_type": item.case_type,
        "channels": sorted(item.channels),
        "fully_online": item.fully_online,
        "max_visits": item.max_visits,
        "fee_kind": item.fee_kind,
        "fee_amount": None if item.fee_amount is None else str(item.fee_amount),
        "fee_text": item.fee_text,
        "inspection_required": item.inspection_required,
        "risk_level": item.risk_level,
        "legal_review_required": item.legal_review_required,
        "tolerance_allowed": item.tolerance_allowed,
        "commitment_allowed": item.commitment_allowed,
        "certificate_name": item.certificate_name,
        "certificate_validity_years": item.certificate_validity_years,
        "renewal_lead_days": item.renewal_lead_days,
        "conditions": item.conditions,
        "procedure": item.procedure,
        "consult_phone": item.consult_phone,
        "windows": [
            {"code": w.code, "name": w.name, "location": w.location} for w in item.windows.order_by("code")
        ],
        "materials": [selectors.material_dict(m) for m in Material.objects.filter(item=item).order_by("sort_order", "id")],
        "faqs": [{"question": f.question, "answer": f.answer} for f in item.faqs.order_by("sort_order", "id")],
    }


def freeze_item(item: Item, *, by=None) -> tuple[ItemVersion, bool]:
    """The version matching the item's present content: the latest one when nothing changed, else a new
    one. Returns (version, created). Call inside a transaction that holds the item's row lock."""
    snapshot = build_snapshot(item)
    fingerprint = rules.digest(snapshot)
    latest = ItemVersion.objects.filter(item=item).order_by("-number").first()
    if latest is not None and latest.digest == fingerprint:
        return latest, False
    version = ItemVersion.objects.create(
        item=item,
        number=(latest.number + 1) if latest else 1,
        snapshot=snapshot,
        digest=fingerprint,
        created_by_name=(str(by) if by is not None and getattr(by, "is_authenticated", False) else "系统")[:150],
    )
    return version, True


def ensure_current_edition(*, by=None) -> Edition:
    """The current edition, creating a first one when the catalogue has none yet."""
    edition = Edition.objects.select_for_update().filter(is_current=True).first()
    if edition is None:
        from django.conf import settings

        year = timezone.localdate().year
        edition, _created = Edition.objects.get_or_create(
            code=str(year),
            defaults={
                "title": _("%(centre)s政务服务事项清单（%(year)s年版）") % {"centre": settings.CENTRE_NAME, "year": year},
                "is_current": True,
                "published_on": timezone.localdate(),
            },
        )
        if not edition.is_current:
            edition.is_current = True
            edition.save(update_fields=["is_current"])
        record_audit(by, "catalog_edition_start", edition)
    return edition


def _lock(item: Item) -> Item:
    return Item.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def publish_item(item: Item, *, by=None, request=None) -> Listing:
    """Publish the item in the current edition as it is now (a new version when its content changed).
    Idempotent: publishing an unchanged, published item writes nothing."""
    item = _lock(item)
    edition = ensure_current_edition(by=by)
    if not item.materials.exists():
        raise ValidationError(_("“%(name)s”没有申请材料，不能发布。"), code="no_materials", params={"name": item.name})
    version, created = freeze_item(item, by=by)
    listing = Listing.objects.select_for_update().filter(edition=edition, item=item).first()
    if listing is not None and listing.status == ListingStatus.PUBLISHED and listing.version_id == version.pk:
        return listing
    from_state = listing.status if listing else ""
    if listing is None:
        listing = Listing(edition=edition, item=item)
    listing.version = version
    listing.status = ListingStatus.PUBLISHED
    listing.published_at = timezone.now()
    listing.withdrawn_at = None
    listing.withdraw_reason = ""
    listing.save()
    record_audit(
        by, "catalog_publish", item, from_state=from_state, to_state=ListingStatus.PUBLISHED, request=request,
        data={"edition": edition.code, "version": version.number},
    )
    return listing


@transaction.atomic
def withdraw_item(item: Item, *, by=None, reason: str = "", request=None) -> Listing:
    """Withdraw the item from the current edition: no new application from now on. Applications already
    made keep their version; nothing of theirs is touched."""
    if not reason.strip():
        raise ValidationError(_("请填写取消原因。"), code="reason_required")
    listing = (
        Listing.objects.select_for_update().filter(item=item, edition__is_current=True, status=ListingStatus.PUBLISHED).first()
    )
    if listing is None:
        raise ValidationError(_("“%(name)s”未在现行清单中发布。"), code="not_published", params={"name": item.name})
    listing.status = ListingStatus.WITHDRAWN
    listing.withdrawn_at = timezone.now()
    listing.withdraw_reason = reason.strip()[:300]
    listing.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
    record_audit(
        by, "catalog_withdraw", item, from_state=ListingStatus.PUBLISHED, to_state=ListingStatus.WITHDRAWN,
        opinion=listing.withdraw_reason, request=request, data={"edition": listing.edition.code},
    )
    return listing


@transaction.atomic
def refresh_published_version(item: Item, *, by=None, request=None) -> ItemVersion | None:
    """After an edit: when the item is published in the current edition and its content changed, freeze
    a new version and point the listing to it (applications already made keep the old one)."""
    listing = (
        Listing.objects.select_for_update().filter(item=item, edition__is_current=True, status=ListingStatus.PUBLISHED).first()
    )
    if listing is None:
        return None
    item = _lock(item)
    version, created = freeze_item(item, by=by)
    if created or listing.version_id != version.pk:
        listing.version = version
        listing.save(update_fields=["version"])
        record_audit(by, "catalog_version", item, to_state=f"v{version.number}", request=request, data={"version": version.number})
    return version


@transaction.atomic
def start_edition(code: str, title: str, *, by=None, published_on=None, document_number: str = "", request=None) -> Edition:
    """Open a new edition of the catalogue and make it current, carrying over every item published in
    the previous one (same versions); items are then withdrawn or added in the new edition."""
    previous = Edition.objects.select_for_update().filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    edition = Edition.objects.create(
        code=code, title=title, is_current=True, published_on=published_on or timezone.localdate(),
        document_number=document_number,
    )
    if previous is not None:
        now = timezone.now()
        Listing.objects.bulk_create(
            [
                Listing(edition=edition, item_id=l.item_id, version_id=l.version_id, status=ListingStatus.PUBLISHED, published_at=now)
                for l in previous.listings.filter(status=ListingStatus.PUBLISHED)
            ]
        )
    record_audit(by, "catalog_edition_start", edition, request=request, data={"previous": previous.code if previous else ""})
    return edition


EDITION_FIELDS = ("code", "title", "published_on", "document_number")


@transaction.atomic
def update_edition(edition: Edition, changes: dict, *, by=None, request=None) -> Edition:
    """Correct an edition's title, code, publication date or document number (not which edition is current:
    start_edition does that). Audited with the old and new values of what changed."""
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    changed = {}
    for name in EDITION_FIELDS:
        if name in changes and changes[name] != getattr(locked, name):
            changed[name] = [str(getattr(locked, name) or ""), str(changes[name] or "")]
            setattr(locked, name, changes[name])
    if changed:
        locked.full_clean(exclude=["is_current"])
        locked.save(update_fields=list(changed))
        record_audit(by, "catalog_edition_change", locked, request=request, data={"changed": changed})
    return locked


@transaction.atomic
def set_bundle_published(bundle: Bundle, published: bool, *, by=None, request=None) -> Bundle:
    """Publish or withdraw a bundle; a bundle is published only when all its items are."""
    if published:
        for entry in bundle.entries.select_related("item"):
            if selectors.current_version(entry.item) is None:
                raise ValidationError(
                    _("“%(item)s”未在现行清单中发布，一件事“%(title)s”不能发布。"),
                    code="item_not_published",
                    params={"item": entry.item.name, "title": bundle.title},
                )
        if not bundle.entries.exists():
            raise ValidationError(_("一件事至少包含一个事项。"), code="bundle_empty")
    refresh_bundle_search(bundle)
    fields = ["search_words", "search_extra"]
    if bundle.published != published:
        bundle.published = published
        fields.append("published")
        record_audit(by, "catalog_bundle_publish" if published else "catalog_bundle_withdraw", bundle, request=request)
    bundle.save(update_fields=fields)
    return bundle


@transaction.atomic
def save_bundle(bundle: Bundle, *, by=None, request=None) -> Bundle:
    """Save a bundle's own fields (title, keywords, summary ...), its search words in step."""
    created = bundle.pk is None
    refresh_bundle_search(bundle)
    bundle.save()
    record_audit(by, "catalog_bundle_create" if created else "catalog_bundle_change", bundle, request=request)
    return bundle


@transaction.atomic
def refresh_popularity(item_counts: dict[int, int], bundle_counts: dict[int, int]) -> int:
    """Store how often each item and bundle was applied for (catalog.popularity gathers the counts): the
    search ranks popular ones first. Rows not counted go back to 0. Returns the number of rows changed."""
    changed = 0
    for model, counts in ((Item, item_counts), (Bundle, bundle_counts)):
        changed += model.objects.exclude(pk__in=list(counts)).exclude(popularity=0).update(popularity=0)
        by_count: dict[int, list[int]] = {}
        for pk, count in counts.items():
            by_count.setdefault(int(count), []).append(pk)
        for count, pks in by_count.items():
            changed += model.objects.filter(pk__in=pks).exclude(popularity=count).update(popularity=count)
    return changed


# --- spreadsheet import ----------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    items_created: int = 0
    items_updated: int = 0
    materials_created: int = 0
    materials_updated: int = 0
    materials_removed: int = 0
    versions_created: int = 0
    published: int = 0

    def as_text(self) -> str:
        return _(
            "新增事项 %(items_created)s 个，更新 %(items_updated)s 个；新增材料 %(materials_created)s 份，"
            "更新 %(materials_updated)s 份，删除 %(materials_removed)s 份；生成新版本 %(versions_created)s 个，"
            "发布 %(published)s 个。"
        ) % asdict(self)


_ITEM_FIELDS = (
    "base_code", "name", "item_type", "level", "service_objects", "implementing_body", "legal_basis", "conditions",
    "statutory_limit", "promised_limit", "limit_note", "case_type", "channels", "fully_online", "max_visits",
    "fee_kind", "fee_amount", "fee_text", "inspection_required", "risk_level", "legal_review_required",
    "tolerance_allowed", "commitment_allowed", "certificate_name", "certificate_validity_years", "keywords",
    "consult_phone", "procedure",
)
_MATERIAL_FIELDS = (
    "code", "requirement", "condition", "originals", "copies", "medium", "tolerable", "source", "shared_from", "notes",
    "registry_certificate_name",
)


def import_catalogue(parsed, *, by=None, filename: str = "", publish: bool = False, request=None) -> ImportSummary:
    """Write a checked spreadsheet (catalog.spreadsheet.parse's result): create or update items by
    implementation code; for every item in the material sheet, its materials become exactly the file's
    (matched by name, so uploaded blank forms stay). All or nothing: a file with any error writes nothing,
    and a database refusal rolls the whole import back."""
    if parsed.errors:
        raise ValidationError(_("文件有 %(n)s 处错误，未导入任何数据。"), code="invalid_file", params={"n": len(parsed.errors)})
    if not (parsed.items or parsed.materials):
        raise ValidationError(_("文件中没有数据行。"), code="empty_file")
    summary = ImportSummary()
    with transaction.atomic():
        touched: dict[str, Item] = {}
        for record in parsed.items:
            code = record["implementation_code"]
            item = Item.objects.select_for_update().filter(implementation_code=code).first()
            created = item is None
            if created:
                item = Item(implementation_code=code)
            for field_name in _ITEM_FIELDS:
                if field_name in record:
                    setattr(item, field_name, record[field_name])
            for field_name in ("competent_department", "supervising_department", "section"):
                if field_name in record:
                    setattr(item, f"{field_name}_id", record[field_name])
            if not item.implementing_body_code:
                item.implementing_body_code = code[:18]
            refresh_search_text(item)
            item.save()
            if "themes" in record:
                item.themes.set(record["themes"])
            if "windows" in record:
                item.windows.set(record["windows"])
            touched[code] = item
            if created:
                summary.items_created += 1
            else:
                summary.items_updated += 1
        by_item: dict[str, list[dict]] = {}
        for record in parsed.materials:
            by_item.setdefault(record["item_code"], []).append(record)
        for code, records in by_item.items():
            item = touched.get(code) or Item.objects.select_for_update().get(implementation_code=code)
            touched[code] = item
            existing = {m.name: m for m in item.materials.all()}
            keep = set()
            for position, record in enumerate(records, start=1):
                material = existing.get(record["name"])
                if material is None:
                    material = Material(item=item, name=record["name"])
                    summary.materials_created += 1
                else:
                    summary.materials_updated += 1
                for field_name in _MATERIAL_FIELDS:
                    if field_name in record:
                        setattr(material, field_name, record[field_name])
                material.sort_order = record.get("sort_order") or position
                material.save()
                keep.add(material.pk)
            removed = [m.pk for m in existing.values() if m.pk not in keep]
            if removed:
                summary.materials_removed += Material.objects.filter(pk__in=removed).delete()[0]
        for item in touched.values():
            before = ItemVersion.objects.filter(item=item).count()
            if selectors.is_published(item):
                refresh_published_version(item, by=by)
            elif publish:
                publish_item(item, by=by)
                summary.published += 1
            summary.versions_created += ItemVersion.objects.filter(item=item).count() - before
        record_audit(
            by, "catalog_import", None, request=request, opinion=summary.as_text(),
            data={"filename": filename[:200], **asdict(summary)},
        )
    return summary
