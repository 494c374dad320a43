"""Reads of the applicant's side. Every select_related/prefetch of applications lives here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import (
    AgentConsent,
    Applicant,
    Application,
    ApplicationItem,
    ApplicationMaterial,
    Commitment,
    Representation,
    Status,
    SupplementItem,
    SupplementRequest,
    UploadedFile,
)
from applications import licences
from applications.policy import visible_applications
from portal import clock
from portal.models import AuditEvent, User
from portal.roles import Role


# --- who sees what ----------------------------------------------------------------------------------------


def my_applications(user: User, *, status: str = "", query: str = "") -> QuerySet[Application]:
    """The list page: a fixed number of queries whatever its length (no per-row lookups).

    `open_supplements` (0 or 1: one open notice at most) is a correlated EXISTS on the partial unique index of
    open notices, not a COUNT over a join: no GROUP BY, so the paginator's count is the visibility filter alone
    (two bitmap index scans) and the page joins its applicants after the top-20 sort (issue 14)."""
    open_notice = SupplementRequest.objects.filter(application=OuterRef("pk"), answered_at__isnull=True,
                                                   lapsed_at__isnull=True)
    applications = visible_applications(user).select_related("applicant").annotate(
        project_name=KT("form_data__project_name"),  # tells two drafts of one item apart
        open_supplements=Cast(Exists(open_notice), IntegerField()),
    )
    if status == "open":
        applications = applications.exclude(status__in=[Status.DRAFT, Status.CLOSED, Status.REFUSED,
                                                         Status.WITHDRAWN, Status.LAPSED])
    elif status in Status.values:
        applications = applications.filter(status=status)
    if query:
        applications = applications.filter(Q(case_number__icontains=query.strip()) | Q(title__icontains=query.strip()))
    return applications.order_by("-created_at", "-id")


# What a row of 我的办件 (and the home panel) shows: the rest of an application (its form data above all) is not
# read, and its JSON not parsed, for a list of 20 (issue 14).
LIST_FIELDS = ("id", "case_number", "title", "status", "submitted_at", "created_at", "updated_at", "applicant__name")


def my_application_rows(user: User, *, status: str = "", query: str = "") -> QuerySet[Application]:
    """my_applications() with only the fields a list row shows (touching another one costs a query per row)."""
    return my_applications(user, status=status, query=query).only(*LIST_FIELDS)


def my_application_values(user: User, *, status: str = "", query: str = ""):
    """The 我的办件 page's rows as plain values (applications.rows renders them)."""
    from applications.rows import ROW_FIELDS

    return my_applications(user, status=status, query=query).values(*ROW_FIELDS)


def drafts_for(user: User, *, item=None, bundle=None, limit: int = 10) -> list[Application]:
    """The user's drafts for this item (not in a bundle) or this bundle, newest first (the apply page offers
    to continue one instead of starting again), each with `project_name` (the form's 项目或经营名称, if filled)."""
    drafts = (visible_applications(user).filter(status=Status.DRAFT).select_related("applicant")
              .annotate(project_name=KT("form_data__project_name")))
    if bundle is not None:
        drafts = drafts.filter(bundle=bundle)
    else:
        drafts = drafts.filter(bundle__isnull=True, items__item=item)
    return list(drafts.order_by("-updated_at", "-id")[:limit])


def application_detail(user: User, pk: int) -> Application | None:
    """One of the user's applications with everything its page shows, or None (the view answers 404)."""
    return _with_everything(visible_applications(user)).filter(pk=pk).first()


def application_within(visible: QuerySet[Application], pk: int) -> Application | None:
    """One application of `visible` (the caller's policy filter) with everything its page shows, or None."""
    return _with_everything(visible).filter(pk=pk).first()


def _with_everything(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.select_related("applicant", "filed_by", "bundle", "agent_consent").prefetch_related(
        Prefetch("items", queryset=ApplicationItem.objects.select_related("item_version").order_by("sort_order")),
        Prefetch("materials", queryset=ApplicationMaterial.objects.order_by("sort_order", "id").prefetch_related(
            Prefetch("files", queryset=UploadedFile.objects.order_by("uploaded_at", "id"))
        )),
        Prefetch("commitments", queryset=Commitment.objects.order_by("signed_at")),
        Prefetch("supplement_requests", queryset=SupplementRequest.objects.select_related("requested_by")
                 .prefetch_related(Prefetch("items", queryset=SupplementItem.objects.select_related("material")))
                 .order_by("-requested_at")),
    )


def editable_application(user: User, pk: int) -> Application | None:
    """An application the user may fill in (the applicant side, or a clerk for a walk-in)."""
    from applications.services import may_edit

    application = _with_everything(Application.objects.all()).filter(pk=pk).first()
    if application is None or not may_edit(user, application):
        return None
    return application


def open_supplement(application: Application) -> SupplementRequest | None:
    """The open supplement notice (uses the detail prefetch)."""
    for request in application.supplement_requests.all():
        if request.is_open:
            return request
    return None


def file_for(user: User, public_id) -> UploadedFile | None:
    """A stored file the applicant side may open: its application is theirs (staff open files through the
    staff side's view, approvals.policy.file_for)."""
    return (UploadedFile.objects.select_related("application", "material")
            .filter(public_id=public_id, application__in=visible_applications(user)).first())


# --- the licence registry (电子证照库) ----------------------------------------------------------------------------


def registry_licences(application: Application) -> dict[int, licences.Licence]:
    """For each material a licence may prove, the licence of that name the applicant holds (read today: valid, or
    expired, revoked... when it holds no valid one), by material id. One registry query (none without such
    materials); uses the detail prefetch of materials."""
    wanted = {m.pk: m.registry_certificate_name for m in application.materials.all()
              if m.asked and m.registry_certificate_name}
    if not wanted:
        return {}
    held = licences.held(application.applicant.id_number, wanted.values())
    return {pk: held[name] for pk, name in wanted.items() if name in held}


def registry_proofs(application: Application) -> dict[int, licences.Licence]:
    """The materials the registry proves now (a valid licence held), by material id."""
    return {pk: licence for pk, licence in registry_licences(application).items() if licence.is_valid}


def with_registry(application: Application) -> list[ApplicationMaterial]:
    """The application's materials, each with `registry_licence` (the licence read today that proves it or no longer
    does, or None) for a draft's pages; a submitted application shows what was recorded (`registry_reference`)."""
    materials = list(application.materials.all())
    found = registry_licences(application) if application.status == Status.DRAFT else {}
    for material in materials:
        material.registry_licence = found.get(material.pk)
    return materials


# --- the timeline ----------------------------------------------------------------------------------------------


ACTION_LABELS = {
    "application_start": _("创建申请"),
    "submit": _("提交申请"),
    "resubmit": _("补正后重新提交"),
    "material_upload": _("上传材料"),
    "material_delete": _("删除材料"),
    "commitment_sign": _("签署承诺书"),
    "commitment_record_paper": _("录入纸质承诺书"),
    "claim": _("认领受理"),
    "release": _("放弃认领"),
    "accept": _("受理"),
    "accept_with_tolerance": _("容缺受理"),
    "accept_on_commitment": _("告知承诺受理"),
    "accept_and_decide_instant": _("即办件当场办结"),
    "deemed_accept": _("逾期视为受理"),
    "request_supplement": _("一次性告知补正"),
    "refuse": _("不予受理"),
    "decide": _("作出决定"),
    "all_cases_decided": _("全部事项已作出决定，转统一出件窗口"),
    "decide_on_commitment": _("告知承诺当场决定"),
    "withdraw": _("申请人撤回"),
    "lapse": _("逾期未补正，终止办理"),
    "tolerated_material_supplied": _("补交容缺材料"),
    "tolerated_material_overdue": _("容缺材料逾期未补交"),
    "case_withdrawn": _("审批案件随撤回关闭"),
    "notice_issued": _("出具通知书"),
    "handover": _("统一出件"),
    "issue": _("出件"),
    "close": _("办结"),
    "issue_due_recomputed": _("工作日历调整，重新计算出件期限"),
    "renewal_start": _("申请延续证照"),
    "renewal_granted": _("准予延续"),
    "renewal_deemed_granted": _("逾期未作出决定，视为准予延续"),
}

# Steps the applicant's timeline leaves out (their own file uploads would drown the steps that matter).
APPLICANT_HIDDEN = {"material_upload", "material_delete", "application_start", "claim", "release"}


@dataclass
class Step:
    at: datetime
    who: str
    what: str
    opinion: str
    to_state: str
    notice: dict | None
    system: bool


def _role_label(role: str) -> str:
    if role == "system":
        return str(_("系统"))
    try:
        return str(Role(role).label)
    except ValueError:
        return "—"


def _events(application: Application):
    return AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk)).order_by(
        "created_at", "id"
    )


def timeline(application: Application, *, for_applicant: bool = True, events=None) -> list[Step]:
    """Every step of the application from the audit log, oldest first; "who" is a role, not a name, for the
    applicant (staff names are not the applicant's business; the clerk's view shows names)."""
    steps = []
    for event in _events(application) if events is None else events:
        if for_applicant and event.action in APPLICANT_HIDDEN:
            continue
        who = _role_label(event.actor_role) if for_applicant else f"{event.actor_name}（{_role_label(event.actor_role)}）"
        steps.append(Step(
            at=event.created_at, who=who, what=str(ACTION_LABELS.get(event.action, event.action)),
            opinion=event.opinion, to_state=Status(event.to_state).label if event.to_state in Status.values else "",
            notice=(event.data or {}).get("notice"), system=event.actor_role == "system",
        ))
    return steps


def notices(application: Application) -> list[dict]:
    """The notices issued on this application, read from the audit log (applications never imports approvals:
    the staff side records each notice's number, title and address on the audit row that issued it)."""
    rows = AuditEvent.objects.filter(
        object_type="applications.application", object_id=str(application.pk), data__has_key="notice"
    ).order_by("created_at", "id").values_list("data", flat=True)
    return [row["notice"] for row in rows]


def timeline_and_notices(application: Application, *, for_applicant: bool = True) -> tuple[list[Step], list[dict]]:
    """timeline() and notices() from one read of the audit log (the detail page shows both)."""
    events = list(_events(application))
    found = [event.data["notice"] for event in events if isinstance(event.data, dict) and "notice" in event.data]
    return timeline(application, for_applicant=for_applicant, events=events), found


# --- identities ----------------------------------------------------------------------------------------------


def applicants_of(user: User) -> list[Applicant]:
    # One representation per (user, applicant) (a unique constraint), so the join never duplicates rows.
    return list(Applicant.objects.filter(representations__user=user).order_by("kind", "name"))


def representations_of(user: User) -> list[Representation]:
    return list(Representation.objects.filter(user=user).select_related("applicant").order_by("created_at"))


def applicants_for_filing(user: User, *, item=None, bundle=None) -> list[tuple[Applicant, AgentConsent | None]]:
    """Whom this account may file for: the applicants it represents, plus (for an agent) those whose
    consent covers this item or bundle today."""
    own = [(r.applicant, None) for r in representations_of(user)]
    if not user.has_role(Role.AGENT):
        return own
    today = clock.today()
    scope = Q(item__isnull=True, bundle__isnull=True)
    if bundle is not None:
        scope |= Q(bundle=bundle)
    elif item is not None:
        scope |= Q(item=item)
    consents = (
        AgentConsent.objects.filter(scope, agent=user, revoked_at__isnull=True, valid_from__lte=today,
                                    valid_until__gte=today)
        .select_related("applicant").order_by("applicant__name", "-granted_at")
    )
    seen = {a.pk for a, _c in own}
    for consent in consents:
        if consent.applicant_id not in seen:
            seen.add(consent.applicant_id)
            own.append((consent.applicant, consent))
    return own


def consents_given(user: User) -> QuerySet[AgentConsent]:
    """Consents granted for applicants this account represents."""
    mine = Representation.objects.filter(user=user).values("applicant_id")
    return AgentConsent.objects.filter(applicant_id__in=mine).select_related("agent", "applicant", "item", "bundle")


def consents_held(agent: User) -> QuerySet[AgentConsent]:
    return AgentConsent.objects.filter(agent=agent).select_related("applicant", "item", "bundle")


def agents() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.AGENT, is_active=True).order_by("real_name", "username")


def people_to_notify(application: Application) -> list[User]:
    """Accounts told about the application's progress: the filer (unless a clerk) and the applicant's accounts."""
    ids = set(Representation.objects.filter(applicant_id=application.applicant_id).values_list("user_id", flat=True))
    filer = application.filed_by
    if not filer.has_role(Role.WINDOW_CLERK):
        ids.add(filer.pk)
    return list(User.objects.filter(pk__in=ids, is_active=True))


# --- home panels ---------------------------------------------------------------------------------------------


def home_summary(user: User, limit: int = 5) -> dict:
    applications = list(my_applications(user)[:limit])
    supplements = list(
        visible_applications(user).filter(status=Status.SUPPLEMENT_REQUESTED)
        .prefetch_related(Prefetch("supplement_requests", queryset=SupplementRequest.objects.filter(
            answered_at__isnull=True, lapsed_at__isnull=True)))
        .order_by("received_at")[:limit]
    )
    tolerated = list(
        ApplicationMaterial.objects.filter(
            application__in=visible_applications(user), tolerance_due_date__isnull=False, supplied_at__isnull=True,
        ).select_related("application").order_by("tolerance_due_date")[:limit]
    )
    return {"applications": applications, "supplements": supplements, "tolerated": tolerated,
            "today": timezone.localdate()}


def application_counts(since: datetime) -> tuple[dict[int, int], dict[int, int]]:
    """How many applications were submitted since `since`, per item and per bundle (two GROUP BY queries):
    the catalogue's popularity source (catalog.popularity), run nightly, never per search."""
    submitted = Application.objects.filter(submitted_at__gte=since)
    items = dict(
        ApplicationItem.objects.filter(application__in=submitted).values("item_id").annotate(n=Count("id"))
        .values_list("item_id", "n")
    )
    bundles = dict(
        submitted.filter(bundle__isnull=False).values("bundle_id").annotate(n=Count("id")).values_list("bundle_id", "n")
    )
    return items, bundles
