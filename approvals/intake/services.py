"""Writes of the receive stage (综合受理), one function per use case.

Every intake decision: one transaction; the clerk must be allowed by approvals.intake.policy (the window-clerk
role, the claim, 回避); the application row is locked first (then the notice counter), so two clerks acting at
once get one success and one Conflict; the application moves through applications.services (which writes its
audit row); each decision issues its notice (approvals.notices, with its own audit row carrying the notice's
number and address, which the applicant's timeline shows); notifications go out after the commit.

Accepting opens one approval case per item through approvals.cases.services (the staged workflow's package).

The issuing window (统一窗口出件) is the desk's too: record_handover hands the results of an application decided
on every item over, at the window or by post, which issues and closes it.
"""
from __future__ import annotations

import logging
import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as app_services
from applications.models import Application, ApplicationMaterial, Commitment, Status
from approvals.cases import services as case_services
from approvals.certificates import selectors as certificate_selectors
from approvals.intake import policy
from approvals.intake.models import OTHER_ID_PATTERN, TRACKING_NUMBER_PATTERN, Handover, IntakeClaim
from approvals.models import Notice
from approvals import events
from approvals.notices import LITIGATION_MONTHS, RECONSIDERATION_DAYS, issue_notice, notice_ref
from approvals.timers import Due, due_dates, ordered_versions
from catalog.codesets import CaseType
from portal import clock
from portal.audit import record_audit, record_system_events
from portal.errors import Conflict, DomainError
from portal.identifiers import mask_citizen_id, normalise_identifier
from portal.models import User
from portal.validators import citizen_id_error

log = logging.getLogger(__name__)

INSTANT_PERMISSION = policy.INSTANT_PERMISSION


def _lock_for_intake(application: Application, clerk: User) -> Application:
    """Lock the application row for an intake decision and check everything a decision needs.

    The caller's copy tells what the clerk saw; if the row changed since, the decision is refused with a
    Conflict (the other clerk's decision stands).
    """
    policy.may_act(clerk).enforce()
    seen = application.status
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "bundle")
        .prefetch_related("items__item_version", "materials__files", "commitments")
        .get(pk=application.pk)
    )
    if locked.status != seen:
        raise Conflict(
            _("办件 %(n)s 已被他人处理，当前状态为“%(s)s”；本次操作未生效，请刷新页面。"),
            code="concurrent", params={"n": locked, "s": locked.get_status_display()},
        )
    claim = IntakeClaim.objects.filter(application=locked).select_related("clerk").first()
    policy.can_decide(locked, clerk, claim).enforce()
    return locked


def registry_proved(materials) -> set[int]:
    """The materials a licence in the registry proved at submission and still proves today (valid)."""
    return {pk for pk, (_c, reading) in certificate_selectors.registry_certificates(materials).items()
            if reading.is_valid}


def originals_seen(application: Application) -> set[int]:
    """The materials whose paper original a clerk saw at the window to answer a supplement notice (补正收件)."""
    from applications.models import SupplementItem

    return set(SupplementItem.objects.filter(request__application=application, request__answered_at__isnull=False,
                                             original_checked_at__isnull=False).values_list("material_id", flat=True))


def _missing_required(application: Application, excused: set[int] = frozenset()) -> list[str]:
    materials = list(application.materials.all())
    proved = registry_proved(materials) | originals_seen(application)
    return [
        m.name for m in materials
        if m.asked and m.required and not m.current_files and m.pk not in excused and m.pk not in proved
    ]


def _due_rows(application: Application, dues: dict[int, Due]) -> list[tuple[str, Due]]:
    """(item name, due dates) in the application's order, for notices."""
    return [(v.name, dues[v.item_id]) for v in ordered_versions(application)]


@transaction.atomic
def claim(application: Application, clerk: User, *, request=None) -> IntakeClaim:
    """Take a submitted application from the intake queue; one clerk at a time (a unique row)."""
    policy.may_act(clerk).enforce()
    if Application.objects.filter(pk=application.pk).values_list("status", flat=True).first() != Status.SUBMITTED:
        raise Conflict(_("该申请已不在受理队列中。"), code="not_queued")
    existing = IntakeClaim.objects.filter(application=application).select_related("clerk").first()
    if existing is not None:
        if existing.clerk_id == clerk.pk:
            return existing
        raise Conflict(_("该申请已由 %(c)s 认领。"), code="claimed", params={"c": existing.clerk})
    try:
        with transaction.atomic():
            claimed = IntakeClaim.objects.create(application=application, clerk=clerk)
    except IntegrityError:
        other = IntakeClaim.objects.select_related("clerk").get(application=application)
        raise Conflict(_("该申请刚刚已由 %(c)s 认领。"), code="claimed", params={"c": other.clerk}) from None
    record_audit(clerk, "claim", application, request=request)
    return claimed


@transaction.atomic
def release(application: Application, clerk: User, *, request=None) -> None:
    policy.may_act(clerk).enforce()
    deleted, _rows = IntakeClaim.objects.filter(application=application, clerk=clerk).delete()
    if not deleted:
        raise DomainError(_("您没有认领该申请。"), code="not_claimed")
    record_audit(clerk, "release", application, request=request)


def _accept(application: Application, clerk: User | None, *, action: str, notice_kind: str, opinion: str = "",
            by_commitment: bool = False, notice_context: dict | None = None, request=None):
    """Shared by every way of accepting: due dates, the notice, the transition, the cases."""
    accepted_at = timezone.now()
    dues = due_dates(application, accepted_at)
    promised = max(d.promised for d in dues.values())
    context = {"accepted_on": timezone.localdate(accepted_at), "promised_due_date": promised,
               "due_rows": _due_rows(application, dues), "opinion": opinion,
               "provisional": any(clock.is_provisional(d.statutory) for d in dues.values()), **(notice_context or {})}
    app_services.record_acceptance(application, clerk, promised_due_date=promised, action=action, opinion=opinion,
                                   request=request, accepted_at=accepted_at)
    notice = issue_notice(application, notice_kind, clerk, context, request=request)
    cases = case_services.open_cases(application, clerk, accepted_at, dues, by_commitment=by_commitment,
                                     request=request)
    return notice, cases


@transaction.atomic
def accept(application: Application, clerk: User, *, opinion: str = "", request=None) -> Notice:
    """受理: the materials are complete; acceptance notice with the promised completion date; cases open."""
    application = _lock_for_intake(application, clerk)
    missing = _missing_required(application)
    if missing:
        raise DomainError(_("以下必要材料尚未提交，不能直接受理：%(m)s。请一次性告知补正，或在允许时容缺受理。"),
                          code="incomplete", params={"m": "、".join(missing)})
    notice, _cases = _accept(application, clerk, action="accept", notice_kind=Notice.Kind.ACCEPTANCE,
                             opinion=opinion.strip(), request=request)
    return notice


@transaction.atomic
def request_supplement(application: Application, clerk: User, items: list[tuple[ApplicationMaterial | str, str]], *,
                       note: str = "", due_date: date | None = None, request=None) -> Notice:
    """一次性告知: ONE notice listing every missing or faulty material with its reason, and a deadline."""
    application = _lock_for_intake(application, clerk)
    due_date = due_date or clock.add_working_days(timezone.now(), app_services.supplement_limit_days())
    supplement = app_services.record_supplement_request(application, clerk, items, note=note, due_date=due_date,
                                                        request=request)
    entries = [(i.material.name, i.reason) for i in supplement.items.select_related("material")]
    return issue_notice(application, Notice.Kind.SUPPLEMENT, clerk,
                        {"entries": entries, "due_date": due_date, "note": supplement.note}, request=request)


@transaction.atomic
def refuse(application: Application, clerk: User, *, reason: str, refer_to: str = "", request=None) -> Notice:
    """不予受理: a reason is required; where the matter is outside this centre's powers, the body to turn to."""
    reason, refer_to = (reason or "").strip(), (refer_to or "").strip()
    if not reason:
        raise DomainError(_("不予受理必须写明理由。"), code="reason")
    application = _lock_for_intake(application, clerk)
    opinion = reason + (_("（请向%(body)s申请）") % {"body": refer_to} if refer_to else "")
    app_services.record_refusal(application, clerk, opinion, request=request,
                                audit_data={"refer_to": refer_to} if refer_to else None)
    return issue_notice(application, Notice.Kind.REFUSAL, clerk, {
        "reason": reason, "refer_to": refer_to, "reconsideration_days": RECONSIDERATION_DAYS,
        "litigation_months": LITIGATION_MONTHS,
    }, request=request)


def _signed_or_paper(application: Application, clerk: User, kind: str, paper_signatory: str, request) -> Commitment:
    existing = next((c for c in application.commitments.all() if c.kind == kind), None)
    if existing is not None:
        return existing
    if not (paper_signatory or "").strip():
        label = Commitment.Kind(kind).label
        raise DomainError(_("申请人尚未签署%(label)s：请申请人在线签署，或在窗口签署纸质承诺书后录入承诺人姓名。"),
                          code="no_commitment", params={"label": label})
    return app_services.record_paper_commitment(application, clerk, kind, paper_signatory, request=request)


def tolerance_limits(application: Application, versions, dues: dict[int, Due]) -> dict[int, date]:
    """The latest due date allowed for each material of the application: the earliest promised completion
    date among the items that ask for it (in a bundle, each material's own items decide)."""
    by_name = {v.name: dues[v.item_id].promised for v in versions if v.item_id in dues}
    overall = min(by_name.values()) if by_name else None
    limits = {}
    for material in application.materials.all():
        own = [by_name[n] for n in (material.for_items or []) if n in by_name]
        limits[material.pk] = min(own) if own else overall
    return limits


def tolerance_notes(application: Application, versions) -> list[str]:
    """Why 容缺 is not offered (for all or some materials): the applicant's credit, the items' rules."""
    if application.applicant.bad_credit:
        return [_("申请人为严重失信主体，不适用容缺受理，所有材料须在受理前提交。")]
    forbidding = [v.name for v in versions if not v.snapshot.get("tolerance_allowed")]
    if not forbidding:
        return []
    if len(forbidding) == len(versions):
        return [_("该事项不适用容缺受理，所有材料须在受理前提交。")]
    return [_("“%(items)s”不适用容缺受理，其材料须在受理前提交；其他事项中标明可容缺的材料可申请容缺。")
            % {"items": "、".join(forbidding)}]


@transaction.atomic
def accept_with_tolerance(application: Application, clerk: User, tolerated: dict[int, date | None], *,
                          paper_signatory: str = "", opinion: str = "", request=None) -> Notice:
    """容缺受理: accept while materials the item marks tolerable are missing; the applicant's commitment is
    recorded; each tolerated material gets a due date no later than the promised completion date."""
    application = _lock_for_intake(application, clerk)
    versions = ordered_versions(application)
    if not tolerated:
        raise DomainError(_("请选择容缺的材料。"), code="empty")
    if not any(v.snapshot.get("tolerance_allowed") for v in versions):
        raise DomainError(_("该事项不适用容缺受理。"), code="not_allowed")
    if application.applicant.bad_credit:
        raise DomainError(_("申请人为严重失信主体，不适用容缺受理。"), code="bad_credit")
    materials = {m.pk: m for m in application.materials.all()}
    for pk in tolerated:
        material = materials.get(pk)
        if material is None:
            raise DomainError(_("容缺材料不属于该申请。"), code="material")
        if not material.tolerable:
            raise DomainError(_("“%(name)s”不属于该事项可容缺的材料。"), code="not_tolerable",
                              params={"name": material.name})
        forbidding = [v.name for v in versions if v.name in (material.for_items or [])
                      and not v.snapshot.get("tolerance_allowed")]
        if forbidding:
            raise DomainError(_("“%(name)s”是“%(items)s”的材料，该事项不适用容缺受理。"), code="not_allowed",
                              params={"name": material.name, "items": "、".join(forbidding)})
    missing = _missing_required(application, excused=set(tolerated))
    if missing:
        raise DomainError(_("以下必要材料不可容缺且尚未提交：%(m)s。请一次性告知补正。"), code="incomplete",
                          params={"m": "、".join(missing)})
    now = timezone.now()
    limits = tolerance_limits(application, versions, due_dates(application, now))
    deadlines = {}
    for pk, due in tolerated.items():
        latest_allowed = limits[pk]
        if latest_allowed <= timezone.localdate(now):
            raise DomainError(_("“%(name)s”所属事项为即办件（承诺时限为0），不适用容缺受理。"), code="instant",
                              params={"name": materials[pk].name})
        due = due or latest_allowed
        if due > latest_allowed:
            raise DomainError(_("“%(name)s”的补交期限不能晚于承诺办结日期 %(d)s。"), code="too_late",
                              params={"name": materials[pk].name, "d": latest_allowed})
        if due <= timezone.localdate(now):
            raise DomainError(_("补交期限应晚于今天。"), code="too_early")
        deadlines[pk] = due
    commitment = _signed_or_paper(application, clerk, Commitment.Kind.TOLERANCE, paper_signatory, request)
    app_services.set_tolerance_deadlines(application, deadlines)
    entries = [(materials[pk].name, due, "、".join(materials[pk].for_items or []))
               for pk, due in sorted(deadlines.items(), key=lambda kv: (kv[1], kv[0]))]
    notice, _cases = _accept(application, clerk, action="accept_with_tolerance", notice_kind=Notice.Kind.TOLERANCE,
                             opinion=opinion.strip(), request=request,
                             notice_context={"tolerated": entries, "commitment": commitment})
    return notice


@transaction.atomic
def accept_on_commitment(application: Application, clerk: User, *, decide_now: bool = False,
                         paper_signatory: str = "", opinion: str = "", request=None) -> list[Notice]:
    """告知承诺制: only for items that allow it, with the applicant's signed commitment; the cases are marked
    for a later check, and (with the on-the-spot permission) may be decided at once."""
    application = _lock_for_intake(application, clerk)
    versions = ordered_versions(application)
    if not all(v.snapshot.get("commitment_allowed") for v in versions):
        raise DomainError(_("该事项不适用告知承诺制。"), code="not_allowed")
    if application.applicant.bad_credit:
        raise DomainError(_("申请人为严重失信主体，不适用告知承诺制。"), code="bad_credit")
    if decide_now and not clerk.has_perm(INSTANT_PERMISSION):
        raise PermissionDenied(_("您没有当场作出审批决定的权限。"))
    commitment = _signed_or_paper(application, clerk, Commitment.Kind.LICENSING, paper_signatory, request)
    notice, cases = _accept(application, clerk, action="accept_on_commitment", notice_kind=Notice.Kind.COMMITMENT,
                            opinion=opinion.strip(), by_commitment=True, request=request,
                            notice_context={"commitment": commitment, "decide_now": decide_now})
    for case in cases:  # the supervising department checks the commitment after approval (核查)
        events.commitment_accepted(case)
    notices = [notice]
    if decide_now:
        notices.append(_decide_on_the_spot(application, clerk, cases, action="decide_on_commitment",
                                           opinion=_("申请人已书面承诺符合许可条件，当场作出准予许可决定，事后核查。"),
                                           request=request))
    return notices


@transaction.atomic
def accept_and_decide_instant(application: Application, clerk: User, *, opinion: str = "", request=None) -> list[Notice]:
    """即办件: a clerk with the on-the-spot permission accepts and decides in one step."""
    if not clerk.has_perm(INSTANT_PERMISSION):
        policy.may_act(clerk).enforce()
        raise PermissionDenied(_("您没有当场办结即办件的权限。"))
    application = _lock_for_intake(application, clerk)
    versions = ordered_versions(application)
    if not all(v.snapshot.get("case_type") == CaseType.INSTANT for v in versions):
        raise DomainError(_("只有即办件可以当场办结。"), code="not_instant")
    missing = _missing_required(application)
    if missing:
        raise DomainError(_("以下必要材料尚未提交，不能当场办结：%(m)s。"), code="incomplete",
                          params={"m": "、".join(missing)})
    notice, cases = _accept(application, clerk, action="accept", notice_kind=Notice.Kind.ACCEPTANCE,
                            opinion=_("即办件，当场受理。"), request=request)
    decision = _decide_on_the_spot(application, clerk, cases, action="accept_and_decide_instant",
                                   opinion=opinion.strip() or _("材料齐全，符合法定条件，当场准予许可。"), request=request)
    return [notice, decision]


def _decide_on_the_spot(application: Application, clerk: User, cases: list, *, action: str,
                        opinion: str, request=None) -> Notice:
    now = timezone.now()
    case_services.approve_on_the_spot(cases, clerk, opinion, request=request)
    app_services.record_decision(application, clerk, action=action, opinion=opinion, request=request)
    return issue_notice(application, Notice.Kind.INSTANT_DECISION, clerk,
                        {"versions": ordered_versions(application), "opinion": opinion, "decided_on": timezone.localdate(now)},
                        request=request)


@transaction.atomic
def sweep_deemed_acceptance(today: date | None = None) -> int:
    """Art. 32: submitted applications with no intake decision within 5 working days count as accepted from the
    day they arrived. One UPDATE over all of them (applications.services), then their cases and notices in
    bulk, due dates counted from the arrival date. Safe to run twice: the second run finds nothing."""
    today = today or clock.today()
    ids = app_services.mark_deemed_accepted(today)
    if not ids:
        return 0
    applications = list(
        Application.objects.filter(pk__in=ids).select_related("applicant", "bundle").prefetch_related("items__item_version")
    )
    dues_by_application, promised, notice_rows = {}, {}, []
    for application in applications:
        dues = dues_by_application[application.pk] = due_dates(application, application.accepted_at)
        promised[application.pk] = max(d.promised for d in dues.values())
        application.promised_due_date = promised[application.pk]
        notice = issue_notice(application, Notice.Kind.ACCEPTANCE, None, {
            "accepted_on": timezone.localdate(application.accepted_at), "promised_due_date": promised[application.pk],
            "due_rows": _due_rows(application, dues), "deemed": True,
            "provisional": any(clock.is_provisional(d.statutory) for d in dues.values()),
        }, audit=False)
        notice_rows.append((application, notice))
    case_services.open_deemed_cases(applications, dues_by_application)
    app_services.set_promised_due_dates(promised)
    record_system_events(
        "notice_issued", "applications.application", [(a.pk, a.case_number) for a, _n in notice_rows],
        opinions=[f"{n.title}（{n.number}）" for _a, n in notice_rows],
        data=[{"notice": notice_ref(n)} for _a, n in notice_rows],
    )
    for application in applications:
        app_services.notify_applicant(application, _("申请已视为受理"), _("办件编号 %(n)s，承诺办结日期 %(d)s。") % {
            "n": application.case_number, "d": application.promised_due_date})
    log.info("deemed accepted: %d applications", len(ids))
    return len(ids)


@transaction.atomic
def sweep_lapsed_supplements(today: date | None = None) -> int:
    """Applications whose supplement notice went unanswered past its deadline lapse (one UPDATE)."""
    today = today or clock.today()
    ids = app_services.mark_supplements_lapsed(today)
    for application in Application.objects.filter(pk__in=ids).select_related("filed_by"):
        app_services.notify_applicant(application, _("申请已终止办理"), _("逾期未补正材料，办件 %(n)s 终止办理。") % {
            "n": application.case_number})
    return len(ids)


@transaction.atomic
def sweep_overdue_tolerated_materials(today: date | None = None) -> int:
    """Tolerated materials (容缺) not supplied by their due date are flagged once (one UPDATE), the applicant
    is told, and the clerk's view shows them; what follows (termination or revocation) is the approval stage's."""
    today = today or clock.today()
    rows = app_services.mark_tolerated_overdue(today)
    by_application: dict[int, list[str]] = {}
    for application_id, _material_id, name in rows:
        by_application.setdefault(application_id, []).append(name)
    for application in Application.objects.filter(pk__in=list(by_application)).select_related("filed_by"):
        app_services.notify_applicant(application, _("容缺材料逾期未补交"), "、".join(by_application[application.pk]))
    return len(rows)


# --- 补正收件: the window takes the papers a walk-in applicant owes ------------------------------------------------


def open_supplement(application: Application):
    """The application's open supplement notice (一次性告知), or None."""
    return application.supplement_requests.filter(answered_at__isnull=True, lapsed_at__isnull=True).first()


def upload_supplement(application: Application, material: ApplicationMaterial, clerk: User, uploaded, *,
                      request=None):
    """代为补正: the clerk attaches a scan of a material the applicant brought to the window, for a material the
    open notice lists. The upload itself (type, size, storage, its audit row naming the clerk) is
    applications.services.upload_file, the outermost transaction so a refused upload leaves no bytes behind;
    a second audit row says the clerk did it on the applicant's behalf."""
    supplement = open_supplement(application)
    policy.can_take_supplement(application, clerk, supplement).enforce()
    if not supplement.items.filter(material_id=material.pk).exists():
        raise DomainError(_("“%(name)s”不在补正告知书所列的材料中。"), code="not_listed", params={"name": material.name})
    record = app_services.upload_file(application, material, clerk, uploaded, request=request)
    with transaction.atomic():
        record_audit(clerk, "supplement_on_behalf", application, request=request,
                     opinion=_("代为补正：%(m)s") % {"m": material.name},
                     data={"file": str(record.public_id), "material": material.name})
    return record


@transaction.atomic
def resubmit_on_behalf(application: Application, clerk: User, *, request=None) -> Application:
    """代为提交补正: every material the notice lists has a new file; the application goes back to the intake
    queue (applications.services.resubmit, its audit row naming the clerk). Refused once the limit has passed:
    the application then lapses by the sweep."""
    policy.may_act(clerk).enforce()
    locked = Application.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=application.pk)
    supplement = open_supplement(locked)
    policy.can_take_supplement(locked, clerk, supplement).enforce()
    resubmitted = app_services.resubmit(locked, clerk, request=request)
    record_audit(clerk, "supplement_on_behalf", resubmitted, request=request, opinion=_("代为提交补正"),
                 data={"supplement": supplement.pk, "due_date": supplement.due_date.isoformat()})
    app_services.notify_applicant(resubmitted, _("补正材料已在窗口提交"), _(
        "办件 %(n)s 的补正材料已由窗口工作人员代为提交，进入受理；受理期限 %(d)s。") % {
        "n": resubmitted.case_number, "d": resubmitted.intake_due_date})
    return resubmitted


@transaction.atomic
def record_original_seen(application: Application, material: ApplicationMaterial, clerk: User, note: str, *,
                         request=None):
    """代为补正 with the paper original seen (已核验纸质原件) instead of a scan, with the clerk's note."""
    policy.may_act(clerk).enforce()
    locked = Application.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=application.pk)
    policy.can_take_supplement(locked, clerk, open_supplement(locked)).enforce()
    return app_services.record_supplement_original(locked, material, clerk, note, request=request)


# --- the issuing window (统一窗口出件) -------------------------------------------------------------------------------


def _mask_name(name: str) -> str:
    """张丽华 -> 张*华, 张三 -> 张*: enough for the log and the applicant's messages to tell who it was."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(len(name) - 2, 1) + (name[-1] if len(name) > 2 else "")


def _mask_id(id_type: str, number: str) -> str:
    if not number:
        return ""
    if id_type == Handover.IdType.CITIZEN_ID:
        return mask_citizen_id(number)
    return number[:2] + "*" * max(len(number) - 4, 1) + number[-2:]


def _handover_values(application: Application, method: str, *, recipient_name: str, relation: str, id_type: str,
                     id_number: str, id_checked: bool, receipt_signed: bool, note: str, carrier: str,
                     tracking_number: str) -> dict:
    """The Handover's fields, normalised and checked against what the method needs; every problem at once, by
    field (a DomainError whose error_dict a form shows next to its fields)."""
    problems: dict[str, list[ValidationError]] = {}

    def problem(field: str, message, code: str) -> None:
        problems.setdefault(field, []).append(ValidationError(message, code=code))

    if method not in Handover.Method.values:
        problem("method", _("请选择出件方式：窗口领取或邮寄送达。"), "method")
    window = method == Handover.Method.WINDOW
    values = {
        "method": method, "recipient_name": (recipient_name or "").strip()[:64], "relation": relation or "",
        "recipient_id_type": id_type or "", "recipient_id_number": normalise_identifier(id_number or ""),
        "id_checked": bool(id_checked) and window, "receipt_signed": bool(receipt_signed) and window,
        "note": (note or "").strip()[:200], "carrier": "", "tracking_number": "",
    }
    if not values["recipient_name"]:
        problem("recipient_name", _("请填写领取人姓名。") if window else _("请填写收件人姓名。"), "recipient")
    if window:
        if values["relation"] not in Handover.Relation.values:
            problem("relation", _("请选择领取人与申请人的关系（本人、委托代理人或法定代表人）。"), "relation")
        number, kind = values["recipient_id_number"], values["recipient_id_type"]
        if kind not in Handover.IdType.values:
            problem("id_type", _("请选择领取人的证件类型。"), "id_type")
        if not number:
            problem("id_number", _("窗口领取须登记领取人的证件号码。"), "id_number")
        elif kind == Handover.IdType.CITIZEN_ID:
            if error := citizen_id_error(number):
                problem("id_number", error, "id_number")
        elif not re.fullmatch(OTHER_ID_PATTERN, number):
            problem("id_number", _("证件号码无效：应为5至30位字母或数字。"), "id_number")
        if not id_checked:
            problem("id_checked", _("窗口领取须当面核验领取人的身份证件，核验后勾选“已核验身份证件”。"), "id_not_checked")
        if not receipt_signed:
            problem("receipt_signed", _("领取人须在纸质领取回执上签字，签字后勾选“领取人已签字”。"), "not_signed")
        applicant = application.applicant
        if values["relation"] == Handover.Relation.SELF:
            if not applicant.is_person:
                problem("relation", _("申请人为企业或其他组织，领取人应为法定代表人或委托代理人。"), "relation")
            elif "id_number" not in problems and (kind != Handover.IdType.CITIZEN_ID or number != applicant.id_number):
                problem("id_number", _("本人领取的，证件号码须与申请人的身份证号码一致；他人代领请选择“委托代理人”。"),
                        "not_applicant")
        if values["relation"] == Handover.Relation.LEGAL_REPRESENTATIVE and applicant.is_person:
            problem("relation", _("申请人为自然人，没有法定代表人；他人代领请选择“委托代理人”。"), "relation")
    elif method == Handover.Method.POST:
        # Sent to an address: whose ID was shown does not apply (the courier's record is the proof).
        values.update(relation="", recipient_id_type="", recipient_id_number="")
        values["carrier"] = carrier or ""
        values["tracking_number"] = normalise_identifier(tracking_number or "")
        if values["carrier"] not in Handover.Carrier.values:
            problem("carrier", _("请选择寄递企业。"), "carrier")
        if not values["tracking_number"]:
            problem("tracking_number", _("请填写运单号。"), "tracking_number")
        elif not re.fullmatch(TRACKING_NUMBER_PATTERN, values["tracking_number"]):
            problem("tracking_number", _("运单号无效：应为8至30位字母或数字。"), "tracking_number")
    if problems:
        raise DomainError(problems)
    return values


def _handover_text(handover: Handover) -> tuple[str, str]:
    """(the audit row's opinion, the applicant's message) with the recipient masked."""
    who = _mask_name(handover.recipient_name)
    if handover.method == Handover.Method.POST:
        carrier = handover.get_carrier_display()
        return (_("邮寄送达：%(c)s，运单号 %(t)s，收件人 %(w)s") % {"c": carrier, "t": handover.tracking_number, "w": who},
                _("办件结果已交%(c)s寄出，运单号 %(t)s，收件人 %(w)s。") % {
                    "c": carrier, "t": handover.tracking_number, "w": who})
    proof = _mask_id(handover.recipient_id_type, handover.recipient_id_number)
    return (_("窗口领取：%(w)s（%(r)s，%(k)s %(i)s），已核验证件，已签收回执") % {
                "w": who, "r": handover.get_relation_display(), "k": handover.get_recipient_id_type_display(),
                "i": proof},
            _("办件结果已于 %(t)s 在窗口交付，领取人 %(w)s（%(r)s）。") % {
                "t": timezone.localtime(handover.recorded_at).strftime("%Y-%m-%d %H:%M"), "w": who,
                "r": handover.get_relation_display()})


@transaction.atomic
def record_handover(application: Application, clerk: User, *, method: str, recipient_name: str = "",
                    relation: str = "", id_type: str = "", id_number: str = "", id_checked: bool = False,
                    receipt_signed: bool = False, note: str = "", carrier: str = "", tracking_number: str = "",
                    request=None) -> Handover:
    """统一出件: hand the results of an application decided on every item over in one action (a bundle's
    documents together): at the window to a recipient whose ID the clerk checked and who signed the paper
    receipt, or by post with the carrier and tracking number. The application is issued and closed
    (applications.services), the handover audited with the recipient masked, and the applicant told.
    An application whose cases were all denied (or denied and terminated) is handed over the same way: the
    denial notices are its result. A second handover is a Conflict that says when and how the first was."""
    locked = (Application.objects.select_for_update(of=("self",)).select_related("applicant")
              .get(pk=application.pk))
    existing = Handover.objects.select_related("recorded_by").filter(application=locked).first()
    policy.can_hand_over(locked, clerk, existing).enforce()
    values = _handover_values(locked, method, recipient_name=recipient_name, relation=relation, id_type=id_type,
                              id_number=id_number, id_checked=id_checked, receipt_signed=receipt_signed, note=note,
                              carrier=carrier, tracking_number=tracking_number)
    handover = Handover.objects.create(application=locked, recorded_by=clerk, recorded_at=timezone.now(), **values)
    opinion, message = _handover_text(handover)
    data = {"handover": handover.pk, "method": handover.method, "recipient": _mask_name(handover.recipient_name),
            "relation": handover.relation, "id": _mask_id(handover.recipient_id_type, handover.recipient_id_number),
            "carrier": handover.carrier, "tracking_number": handover.tracking_number}
    record_audit(clerk, "handover", locked, opinion=opinion, request=request, data=data)
    app_services.record_issue_and_close(locked, clerk, opinion=handover.get_method_display(), request=request,
                                        audit_data={"handover": handover.pk})
    app_services.notify_applicant(locked, _("办件已办结"), message)
    return handover
