"""Reads of the public listing of licensing decisions (行政许可决定公示).

What is listed: every case of a licensing item (事项类型 01 行政许可; 行政确认 and the other kinds are not
licensing decisions) decided "approve" (准予行政许可): by an officer (a Decision row with its Notice) or at the
window on the spot (即办件, 告知承诺 decided at once: the case is approved with no Decision row; its notice is the
application's 准予行政许可决定书（当场办结）, and the holder is the applicant). Denials (不予行政许可) are listed
only when settings.PUBLICITY_LIST_DENIALS is on: the Administrative Licensing Law makes the approval public
(Art. 40: 准予行政许可的决定，应当予以公开) and the national data standard for licensing records (行政许可信息:
许可证书名称, 许可编号, 有效期 ...) describes granted licences; a denial with its applicant's name is not
published by default.

A case is listed from the moment its decision commits (the rule "within 7 working days" holds by construction;
`Record.publish_due` shows the day it had to be public by). It stays listed whatever happens after: an
application withdrawn later, a certificate revoked later (see `Record.status`).

Personal data: the holder of a natural person (citizen ID, or any holder not known to be an organisation) is
shown masked by portal.masking, in the page, the record and the CSV alike, and a natural person can not be
found by name (the keyword matches organisations' names only), so the listing is no oracle for "did X get a
licence". Organisations (统一社会信用代码) are shown in full; an individual business (个体工商户, credit code
category 92) shows its registered name in full and its operator's name masked.

Cost: the listing pages by keyset (decided_at, id) over partial indexes of decided cases
(approvalcase_decided_idx, approvalcase_item_decided_idx), so a page costs the same at row 50 and at row
500,000; no count. Item names and departments come from the item versions in a second query (their snapshots
are large JSON: reading three keys of each row's snapshot inside the main query would unpack it per row).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from uuid import UUID

from django.conf import settings
from django.db.models import FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Applicant
from approvals.cases.models import ApprovalCase, Decision, Stage
from approvals.certificates.models import Certificate
from approvals.models import Notice
from catalog.codesets import ItemType
from catalog.models import Department, Item, ItemVersion
from portal import clock
from portal.identifiers import normalise_identifier
from portal.masking import mask_id_number, mask_name, mask_text

PAGE_SIZE = 50
# A bound on one export: a public endpoint must not stream the whole table on every click.
EXPORT_LIMIT = 100_000
EXPORT_CHUNK = 2_000
# 双公示: licensing decisions are public within 7 working days of the decision.
PUBLISH_WITHIN_WORKING_DAYS = 7
KEYWORD_MAX_LENGTH = 60
# Holders a keyword may match before the search leaves the matching to the listing's own query (see _keyword).
KEYWORD_ID_LIMIT = 5_000

CITIZEN_ID, CREDIT_CODE = "111", "001"
ID_TYPE_LABELS = {CITIZEN_ID: _("居民身份证"), CREDIT_CODE: _("统一社会信用代码")}

# 行政相对人类别 of the national standard.
ORGANISATION, NATURAL_PERSON, INDIVIDUAL_BUSINESS = "organisation", "person", "individual_business"
CATEGORY_LABELS = {ORGANISATION: _("法人及非法人组织"), NATURAL_PERSON: _("自然人"),
                   INDIVIDUAL_BUSINESS: _("个体工商户")}
# 许可类别 (普通/特许/认可/核准/登记/其他): the catalogue does not record it, so every item is 普通.
LICENCE_CATEGORY = _("普通")

APPROVE, DENY = "approve", "deny"
OUTCOME_LABELS = {APPROVE: _("准予许可"), DENY: _("不予许可")}

DECISION_NOTICE_KINDS = (Notice.Kind.APPROVAL, Notice.Kind.DENIAL, Notice.Kind.INSTANT_DECISION)


def lists_denials() -> bool:
    return bool(getattr(settings, "PUBLICITY_LIST_DENIALS", False))


def listed_stages(outcome: str = "") -> list[str]:
    stages = [Stage.APPROVED, Stage.DENIED] if lists_denials() else [Stage.APPROVED]
    wanted = {APPROVE: Stage.APPROVED, DENY: Stage.DENIED}.get(outcome)
    return [s for s in stages if wanted in (None, s)]


def holder_category(id_type: str, id_number: str) -> str:
    """行政相对人类别 from the holder's identifier: a credit code is an organisation, or an individual business when
    its registration category is 92 (GB 32100: authority 9 market regulation, category 2 个体工商户). Anything
    else (a citizen ID, or no known type) counts as a natural person, so it is masked."""
    if id_type == CREDIT_CODE:
        return INDIVIDUAL_BUSINESS if (id_number or "").startswith("92") else ORGANISATION
    return NATURAL_PERSON


# --- filters and the query ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    department: int | None = None
    item: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    outcome: str = ""  # "", APPROVE, DENY (DENY only when denials are listed)
    keyword: str = ""

    @property
    def any(self) -> bool:
        return any((self.department, self.item, self.date_from, self.date_to, self.outcome, self.keyword))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()), timezone.get_current_timezone())


def decided_cases(filters: Filters = Filters()) -> QuerySet[ApprovalCase]:
    """The listed cases, filtered, unordered."""
    cases = ApprovalCase.objects.filter(stage__in=listed_stages(filters.outcome))
    # Only licensing items: a hashed NOT IN over the (few) catalogue items of other kinds.
    cases = cases.exclude(item_id__in=Item.objects.exclude(item_type=ItemType.LICENSING).values("id"))
    if filters.item:
        cases = cases.filter(item_id=filters.item)
    if filters.department:
        # The item's department as the catalogue has it now (Item.competent_department is indexed; the versions'
        # snapshots would have to be unpacked one by one).
        cases = cases.filter(item_id__in=Item.objects.filter(competent_department_id=filters.department).values("id"))
    if filters.date_from:
        cases = cases.filter(decided_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        cases = cases.filter(decided_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.keyword:
        cases = _keyword(cases, filters.keyword)
    return cases


def _keyword(cases: QuerySet[ApprovalCase], keyword: str) -> QuerySet[ApprovalCase]:
    """An organisation's name (a part of it) or credit code, or a decision document's number (whole). Natural
    persons are never matched by name or number (the masked listing must not confirm a full name).

    The holder is the decision's (an officer's approval) or else the applicant (a denial, a decision on the
    spot). Each is looked for in its own narrow table first (Decision, Applicant; a notice by its unique number)
    and the cases then by id. Testing the LIKE inside the listing's query instead (every listed case joined to
    its decision, notice and applicant) cost 0.4-0.8 s at 250,000 decisions, found or not (bench/publicity_bench.py).
    A keyword matching very many holders (e.g. "公司") is left inside the query: its matches are dense, so the
    scan in date order finds a page early."""
    number = "".join(keyword.split())
    code = normalise_identifier(keyword)
    holder_named, applicant_named = Q(holder_name__icontains=keyword), Q(name__icontains=keyword)
    if len(code) == 18:
        holder_named |= Q(holder_id_number=code)
        applicant_named |= Q(id_number=code)
    by_holder = Decision.objects.filter(holder_named, holder_id_type=CREDIT_CODE)
    applicants = Applicant.objects.filter(applicant_named, id_type=CREDIT_CODE)
    applicant_holds = Q(decision__isnull=True) | Q(decision__holder_name="")
    numbered = _numbered_case_ids(number)
    holder_cases = list(by_holder.values_list("case_id", flat=True)[:KEYWORD_ID_LIMIT + 1])
    applicant_ids = list(applicants.values_list("id", flat=True)[:KEYWORD_ID_LIMIT + 1])
    if len(holder_cases) <= KEYWORD_ID_LIMIT and len(applicant_ids) <= KEYWORD_ID_LIMIT:
        ids = holder_cases + numbered
        if applicant_ids:
            ids += list(ApprovalCase.objects.filter(applicant_holds, application__applicant_id__in=applicant_ids)
                        .values_list("id", flat=True)[:KEYWORD_ID_LIMIT * 4])
        return cases.filter(id__in=ids)
    return cases.filter(Q(id__in=by_holder.values("case_id")) | Q(id__in=numbered)
                        | applicant_holds & Q(application__applicant__in=applicants.values("id")))


def _numbered_case_ids(number: str) -> list[int]:
    """The cases of the decision notice with exactly this number (its unique index)."""
    notice = (Notice.objects.filter(number=number, kind__in=DECISION_NOTICE_KINDS)
              .values_list("id", "kind", "application_id").first())
    if notice is None:
        return []
    pk, kind, application_id = notice
    if kind == Notice.Kind.INSTANT_DECISION:
        return list(ApprovalCase.objects.filter(application_id=application_id, decision__isnull=True)
                    .values_list("id", flat=True))
    return list(Decision.objects.filter(notice_id=pk).values_list("case_id", flat=True))


def _instant_notice() -> FilteredRelation:
    """The application's on-the-spot decision notice (one per application: all its cases are decided at once)."""
    return FilteredRelation("application__notices",
                            condition=Q(application__notices__kind=Notice.Kind.INSTANT_DECISION))


FIELDS = (
    "id", "stage", "decided_at", "by_commitment", "item_version_id",
    "decision__id", "decision__holder_name", "decision__holder_id_type", "decision__holder_id_number",
    "decision__certificate_name", "decision__scope", "decision__valid_from", "decision__valid_until",
    "decision__notice__public_id", "decision__notice__number", "decision__notice__title",
    "instant__public_id", "instant__number", "instant__title",
    "application__applicant__name", "application__applicant__id_type", "application__applicant__id_number",
    "application__applicant__legal_representative",
)


def _certificate(field: str) -> Subquery:
    """A field of the case's certificate in its newest version (a correction supersedes the old one)."""
    return Subquery(Certificate.objects.filter(case=OuterRef("pk")).order_by("-version", "-id").values(field)[:1])


CERTIFICATE_FIELDS = ("licence_no", "licence_standing", "licence_valid_from", "licence_valid_until")


def _rows(cases: QuerySet[ApprovalCase]) -> QuerySet:
    return cases.annotate(
        instant=_instant_notice(), licence_no=_certificate("licence_number"),
        licence_standing=_certificate("standing"), licence_valid_from=_certificate("valid_from"),
        licence_valid_until=_certificate("valid_until"),
    ).values(*FIELDS, *CERTIFICATE_FIELDS)


# --- one row -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    name: str = ""
    certificate_name: str = ""
    department: str = ""


def item_facts(version_ids: Iterable[int]) -> dict[int, ItemFacts]:
    """Name, certificate name and department of each item version, from its snapshot (one query)."""
    ids = set(version_ids)
    if not ids:
        return {}
    rows = ItemVersion.objects.filter(pk__in=ids).values_list(
        "pk", "snapshot__name", "snapshot__certificate_name", "snapshot__competent_department__name")
    return {pk: ItemFacts(name or "", cert or "", dept or "") for pk, name, cert, dept in rows}


@dataclass(frozen=True)
class Record:
    """One listed decision as the public sees it: the national standard's columns, masked where needed."""

    case_id: int
    public_id: UUID | None  # the decision notice's random id (the record's address)
    outcome: str
    instant: bool
    by_commitment: bool
    category: str
    holder_name: str
    credit_code: str
    legal_representative: str
    id_type: str
    id_number: str
    document_title: str
    document_number: str
    certificate_name: str
    licence_number: str
    scope: str
    decided_at: datetime
    valid_from: date | None
    valid_until: date | None
    validity_recorded: bool
    item_name: str
    department: str
    licence_standing: str = ""

    @classmethod
    def of(cls, row: dict, facts: dict[int, ItemFacts]) -> Record:
        item = facts.get(row["item_version_id"]) or ItemFacts()
        holder = row["decision__holder_name"] or ""
        applicant_id = row["application__applicant__id_number"] or ""
        if holder:  # the certifier's holder (an approval): usually the applicant, but not always
            id_type, id_number = row["decision__holder_id_type"] or "", row["decision__holder_id_number"] or ""
        else:  # a denial, or a decision on the spot: the applicant
            holder = row["application__applicant__name"] or ""
            id_type, id_number = row["application__applicant__id_type"] or "", applicant_id
        category = holder_category(id_type, id_number)
        applicant_holds = not row["decision__holder_name"] or id_number == applicant_id
        legal_rep = (row["application__applicant__legal_representative"] or "") if applicant_holds else ""
        secrets: list[tuple[str, str]] = []
        if category == NATURAL_PERSON:
            secrets = [(holder, id_number)]
            shown_name, credit_code, legal_rep = mask_name(holder), "", ""
            id_label, shown_id = str(ID_TYPE_LABELS.get(id_type, "")), mask_id_number(id_number)
        else:
            if category == INDIVIDUAL_BUSINESS and legal_rep:
                secrets = [(legal_rep, "")]
                legal_rep = mask_name(legal_rep)  # the operator (经营者) is a natural person
            shown_name, credit_code, id_label, shown_id = holder, id_number, "", ""

        def public(text: str) -> str:
            for name, number in secrets:
                text = mask_text(text, name=name, id_number=number)
            return text

        instant = row["decision__id"] is None
        outcome = APPROVE if row["stage"] == Stage.APPROVED else DENY
        if instant:
            notice = (row["instant__public_id"], row["instant__number"], row["instant__title"])
            certificate, scope = item.certificate_name, item.name
        else:
            notice = (row["decision__notice__public_id"], row["decision__notice__number"],
                      row["decision__notice__title"])
            certificate, scope = row["decision__certificate_name"] or "", row["decision__scope"] or ""
        return cls(
            case_id=row["id"], public_id=notice[0], outcome=outcome, instant=instant,
            by_commitment=row["by_commitment"], category=category, holder_name=shown_name, credit_code=credit_code,
            legal_representative=legal_rep, id_type=id_label, id_number=shown_id,
            document_title=notice[2] or "", document_number=notice[1] or "",
            certificate_name=public(certificate) if outcome == APPROVE else "",
            licence_number=row.get("licence_no") or "",  # 许可编号: the certificate's (newest version's)
            scope=public(scope) if outcome == APPROVE else "",
            decided_at=row["decided_at"],
            # A decision on the spot records no validity (its certificate does, when the item issues one); None then
            # means "not recorded"; for an officer's approval it means long-term (Decision.valid_until).
            valid_from=row["decision__valid_from"] or row.get("licence_valid_from"),
            valid_until=row["decision__valid_until"] if not instant else row.get("licence_valid_until"),
            validity_recorded=outcome == APPROVE and (not instant or bool(row.get("licence_no"))),
            item_name=item.name, department=item.department,
            licence_standing=row.get("licence_standing") or "",
        )

    @property
    def decided_on(self) -> date:
        return timezone.localdate(self.decided_at)

    @property
    def publish_due(self) -> date:
        """The last day the decision had to be public by (7 working days after the decision day)."""
        return clock.add_working_days(self.decided_at, PUBLISH_WITHIN_WORKING_DAYS)

    @property
    def long_term(self) -> bool:
        return self.validity_recorded and self.valid_until is None

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS[self.category])

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])

    @property
    def status(self) -> str:
        """当前状态 of the standard: the certificate's standing (a revoked or suspended licence stays listed, with
        it); 有效 for an approval without a certificate; a withdrawal after the decision changes nothing."""
        if self.outcome != APPROVE:
            return ""
        labels = {"revoked": _("已撤销"), "suspended": _("暂扣"), "superseded": _("已换发")}
        return str(labels.get(self.licence_standing, _("有效")))

    @property
    def remarks(self) -> str:
        parts = []
        if self.outcome == DENY:
            parts.append(str(_("不予行政许可")))
        if self.by_commitment:
            parts.append(str(_("告知承诺制")))
        if self.instant:
            parts.append(str(_("当场作出决定")))
        return "；".join(parts)

    @property
    def cursor(self) -> str:
        return encode_cursor(self.decided_at, self.case_id)


def records(rows: list[dict]) -> list[Record]:
    facts = item_facts(r["item_version_id"] for r in rows)
    return [Record.of(r, facts) for r in rows]


# --- pages (keyset) ------------------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,18})$")


def encode_cursor(moment: datetime, pk: int) -> str:
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}-{pk}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """(decided_at, id) of a page boundary, or None for anything that is not one."""
    found = _CURSOR.match(value or "")
    if not found:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(found[1])), int(found[2])
    except OverflowError:
        return None


@dataclass(frozen=True)
class Page:
    records: list[Record]
    newer: str | None  # cursor of the page before (newer decisions), None on the first page
    older: str | None  # cursor of the page after (older decisions), None on the last page

    @property
    def first(self) -> bool:
        return self.newer is None


def page(filters: Filters = Filters(), *, after: str | None = None, before: str | None = None,
         size: int | None = None) -> Page:
    """One page, newest first: the first, the one after cursor `after` (older) or before `before` (newer).
    Two queries: the rows, and the item facts of their versions."""
    size = size or PAGE_SIZE
    cases = decided_cases(filters)
    back = decode_cursor(before) if before and not after else None
    forth = decode_cursor(after)
    if back is not None:
        moment, pk = back
        rows = list(_rows(cases.filter(decided_at__gte=moment).exclude(decided_at=moment, id__lte=pk))
                    .order_by("decided_at", "id")[: size + 1])
        if rows:
            more = len(rows) > size
            found = records(rows[:size][::-1])
            return Page(found, found[0].cursor if more else None, found[-1].cursor)
        forth = None  # nothing newer: the first page
    if forth is not None:
        moment, pk = forth
        cases = cases.filter(decided_at__lte=moment).exclude(decided_at=moment, id__gte=pk)
    rows = list(_rows(cases).order_by("-decided_at", "-id")[: size + 1])
    found = records(rows[:size])
    newer = found[0].cursor if forth is not None and found else None
    older = found[-1].cursor if len(rows) > size else None
    return Page(found, newer, older)


# --- the export ----------------------------------------------------------------------------------------------------


def exceeds_export_limit(filters: Filters, limit: int | None = None) -> bool:
    """Whether the filters select more rows than one export may hold (an index scan of `limit` rows)."""
    limit = limit or EXPORT_LIMIT
    return bool(list(decided_cases(filters).order_by().values_list("id", flat=True)[limit:limit + 1]))


def export_records(filters: Filters, limit: int | None = None, chunk: int | None = None) -> Iterator[Record]:
    """Every listed row (at most `limit`), newest first, read through a server-side cursor in chunks."""
    limit, chunk = limit or EXPORT_LIMIT, chunk or EXPORT_CHUNK
    rows = _rows(decided_cases(filters)).order_by("-decided_at", "-id")[:limit].iterator(chunk_size=chunk)
    facts: dict[int, ItemFacts] = {}
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from _batch_records(batch, facts)
            batch = []
    yield from _batch_records(batch, facts)


def _batch_records(batch: list[dict], facts: dict[int, ItemFacts]) -> Iterator[Record]:
    missing = {r["item_version_id"] for r in batch} - facts.keys()
    facts.update(item_facts(missing))
    return (Record.of(r, facts) for r in batch)


# --- one record ----------------------------------------------------------------------------------------------------


def notice_records(public_id: UUID) -> list[Record]:
    """The listed decisions of one decision notice (an officer's notice: one; an on-the-spot notice: every item
    of the application), or [] when the notice is not a listed decision's."""
    notice = (Notice.objects.filter(public_id=public_id, kind__in=DECISION_NOTICE_KINDS)
              .only("id", "kind", "application_id").first())
    if notice is None:
        return []
    cases = decided_cases()
    if notice.kind == Notice.Kind.INSTANT_DECISION:
        cases = cases.filter(application_id=notice.application_id, decision__isnull=True)
    else:
        cases = cases.filter(decision__notice_id=notice.pk)
    return records(list(_rows(cases).order_by("id")))


# --- the filters' choices --------------------------------------------------------------------------------------------


def departments() -> list[Department]:
    """Departments competent for at least one licensing item of the catalogue."""
    return list(Department.objects.filter(competent_items__item_type=ItemType.LICENSING).distinct()
                .order_by("code").only("id", "name"))


def items(department: int | None = None) -> list[Item]:
    """Licensing items that were ever published (have a version), by name."""
    found = Item.objects.filter(item_type=ItemType.LICENSING, versions__isnull=False)
    if department:
        found = found.filter(competent_department_id=department)
    return list(found.distinct().order_by("name", "id").only("id", "name"))
