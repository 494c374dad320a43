"""Every write on certificates: issuing them from decisions (a joint-issuance bundle's together), correcting one
(a new version supersedes it), changing its standing (suspend, reinstate, revoke). Each runs in the caller's
transaction or its own, records an audit row, and schedules the PDF after the commit.

Called by approvals.cases.services (decide, approve_on_the_spot, terminate) inside their transactions; this module
imports only models from the cases package, never its services.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as app_services
from applications.models import Application
from approvals.cases.models import CLOSED_STAGES, ApprovalCase, Decision, Stage
from approvals import events
from approvals.certificates import policy, rules
from approvals.certificates.documents import enqueue_render
from approvals.certificates.models import Certificate
from approvals.renewals import selectors as renewal_selectors
from portal import clock
from portal.audit import record_audit
from portal.errors import DomainError
from portal.models import User

CERTIFICATE_FIELDS = ("certificate_name", "holder_name", "holder_id_type", "holder_id_number", "scope", "valid_from",
                      "valid_until")


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_until(valid_from: date, years: int | None) -> date | None:
    """The last day of a validity of `years` years from `valid_from` (none: long-term)."""
    return (add_years(valid_from, years) - timedelta(days=1)) if years else None


def certificate_defaults(case: ApprovalCase, today: date | None = None) -> dict:
    """What an approval's certificate carries unless the certifier changes it: the applicant as holder, the
    item as scope, validity from today for the item's certificate validity (years; none: long-term). A renewal
    (renewed_certificate) keeps the old licence's scope and starts the day after it ends."""
    today = today or clock.today()
    snapshot = case.item_version.snapshot
    applicant = case.application.applicant
    scope, valid_from = snapshot.get("name", ""), today
    renewed = renewed_certificate(case)
    if renewed is not None:
        scope = renewed.scope or scope
        if renewed.valid_until is not None and renewed.valid_until >= today:
            valid_from = renewed.valid_until + timedelta(days=1)
    return {
        "certificate_name": snapshot.get("certificate_name") or "",
        "holder_name": applicant.name, "holder_id_type": applicant.id_type, "holder_id_number": applicant.id_number,
        "scope": scope, "valid_from": valid_from,
        "valid_until": validity_until(valid_from, snapshot.get("certificate_validity_years")),
    }


# --- the renewal hook (approvals.renewals: Art. 50) ---------------------------------------------------------------


def renewed_certificate(case: ApprovalCase) -> Certificate | None:
    """The licence this case renews: its application is a renewal (approvals.renewals) of a licence of the case's
    item. One indexed read; None for every other case."""
    renewal = renewal_selectors.renewal_of(case.application)
    if renewal is None or renewal.certificate.item_id != case.item_id:
        return None
    return renewal.certificate


def issues_certificate(case: ApprovalCase) -> bool:
    """An item with a result name (审批结果名称) issues a certificate; one without ends with the decision notice."""
    return bool((case.item_version.snapshot.get("certificate_name") or "").strip())


def joint_issuance(application: Application) -> bool:
    return application.bundle_id is not None and application.bundle.joint_issuance


def _numbers(issued_at: datetime) -> tuple[str, str]:
    """(serial, licence number) from the yearly counter."""
    year = timezone.localdate(issued_at).year
    value = app_services.next_sequence_value(f"licence:{year}")
    prefix = settings.LICENCE_NUMBER_PREFIX or (settings.CENTRE_NAME[:2] + "审")
    return rules.serial_for(year, value), rules.licence_number_for(prefix, year, value)


def type_code(case: ApprovalCase, name: str) -> str:
    configured = settings.LICENCE_TYPE_CODES.get(name)
    return configured or rules.type_code_for(settings.ISSUER_CREDIT_CODE, case.item_id)


def create_certificate(case: ApprovalCase, values: dict, *, basis: str, issued_by: User | None,
                       issued_at: datetime, decision: Decision | None = None, serial: str = "",
                       licence_number: str = "", version: int = 1, supersedes: Certificate | None = None,
                       renews: Certificate | None = None, note: str = "") -> Certificate:
    """Write one certificate row (numbers from the yearly counter unless a correction passes its own) and
    schedule its PDF after the commit. The callers check permissions and record the audit."""
    if not serial:
        serial, licence_number = _numbers(issued_at)
    name = values["certificate_name"]
    code = type_code(case, name)
    certificate = Certificate.objects.create(
        application=case.application, case=case, decision=decision, item_id=case.item_id, basis=basis, name=name,
        type_code=code, licence_number=licence_number,
        electronic_id=rules.electronic_id_for(code, settings.ISSUER_CREDIT_CODE, serial, version),
        serial=serial, version=version, holder_name=values["holder_name"],
        holder_id_type=values.get("holder_id_type") or "", holder_id_number=values.get("holder_id_number") or "",
        scope=values.get("scope") or "", valid_from=values["valid_from"], valid_until=values.get("valid_until"),
        issuer_name=settings.CENTRE_NAME, issuer_code=settings.ISSUER_CREDIT_CODE, issued_at=issued_at,
        issued_by=issued_by, supersedes=supersedes, renews=renews, note=note,
    )
    transaction.on_commit(lambda: enqueue_render(certificate.pk))
    return certificate


def _values_of(decision: Decision) -> dict:
    return {field: getattr(decision, field) for field in CERTIFICATE_FIELDS}


def issue_due(application: Application, actor: User | None, *, request=None) -> list[Certificate]:
    """Issue the certificates of the application's approved cases that have none yet, when they are due: at
    once, or for a joint-issuance bundle (三证同发) only once every case is closed, all together (one issue
    time, consecutive numbers). Runs in the caller's transaction, after the decision is saved; idempotent."""
    cases = list(ApprovalCase.objects.select_related("item_version", "application__applicant", "application__bundle")
                 .filter(application=application).order_by("id"))
    if joint_issuance(application) and not all(c.stage in CLOSED_STAGES for c in cases):
        return []
    already = set(Certificate.objects.filter(case__in=cases, basis__in=[Certificate.Basis.DECISION,
                                                                        Certificate.Basis.ON_THE_SPOT])
                  .values_list("case_id", flat=True))
    decisions = {d.case_id: d for d in Decision.objects.filter(case__in=cases, outcome=Decision.Outcome.APPROVE)}
    issued_at = timezone.now()
    issued = []
    for case in cases:
        if case.stage != Stage.APPROVED or case.pk in already or not issues_certificate(case):
            continue
        decision = decisions.get(case.pk)
        if decision is not None:
            values, basis = _values_of(decision), Certificate.Basis.DECISION
        else:  # approved at the window on the spot (即办件, 告知承诺): the defaults are the certificate
            values, basis = certificate_defaults(case, timezone.localdate(case.decided_at)), Certificate.Basis.ON_THE_SPOT
        if not values.get("certificate_name"):
            values["certificate_name"] = case.item_version.snapshot.get("certificate_name")
        issued.append(create_certificate(case, values, basis=basis, decision=decision, issued_by=actor or case.decided_by,
                              issued_at=issued_at, renews=renewed_certificate(case)))
    for certificate in issued:
        record_audit(actor, "certificate_issued", certificate.case, request=request,
                     opinion=f"{certificate.name}（{certificate.licence_number}）",
                     data={"certificate": str(certificate.public_id), "electronic_id": certificate.electronic_id,
                           "joint": joint_issuance(application),
                           **({"renews": str(certificate.renews.public_id)} if certificate.renews_id else {})})
    for certificate in issued:  # the decision is complete with its certificate: the department hears of it
        events.case_decided(certificate.case, certificate.decision, certificate)
    if any(c.renews_id for c in issued):
        # approvals.renewals builds on this module, so it is imported when used.
        from approvals.renewals import services as renewals

        renewals.record_renewed(application, issued, actor, request=request)
    if issued:
        app_services.notify_applicant(application, _("证照已生成"), _("办件编号 %(n)s：%(names)s。") % {
            "n": application.case_number, "names": "、".join(c.name for c in issued)})
    return issued


def _lock(certificate: Certificate) -> Certificate:
    return (Certificate.objects.select_for_update(of=("self",)).select_related("case__section", "application")
            .get(pk=certificate.pk))


def _required(text: str, message: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, code=code)
    return text


@transaction.atomic
def change_standing(certificate: Certificate, actor: User, to: str, reason: str, *, request=None,
                    enforce_policy: bool = True) -> Certificate:
    """Suspend (暂扣), reinstate (恢复有效) or revoke (撤销/吊销) a certificate, with a reason. The PDF is not touched:
    the verification page reads the standing. `enforce_policy=False` is for the supervision handoff, which has
    already checked the department's authority."""
    reason = _required(reason, _("请写明原因。"), "reason")
    certificate = _lock(certificate)
    if enforce_policy:
        policy.can_change_standing(certificate, actor, to).enforce()
    before = certificate.standing
    certificate.standing = to
    certificate.standing_changed_at = timezone.now()
    certificate.standing_reason = reason
    certificate.save(update_fields=["standing", "standing_changed_at", "standing_reason"])
    action = {Certificate.Standing.REVOKED: "certificate_revoked", Certificate.Standing.SUSPENDED:
              "certificate_suspended", Certificate.Standing.VALID: "certificate_reinstated"}[to]
    record_audit(actor, action, certificate.case, from_state=before, to_state=to, opinion=reason, request=request,
                 data={"certificate": str(certificate.public_id), "licence_number": certificate.licence_number})
    if to == Certificate.Standing.REVOKED:
        events.certificate_revoked(certificate, reason)
    app_services.notify_applicant(certificate.application, _("证照状态变更"), _("%(name)s（%(number)s）：%(s)s。%(r)s") % {
        "name": certificate.name, "number": certificate.licence_number, "s": certificate.get_standing_display(),
        "r": reason[:80]})
    return certificate


def revoke(certificate: Certificate, actor: User, reason: str, *, request=None, enforce_policy: bool = True):
    return change_standing(certificate, actor, Certificate.Standing.REVOKED, reason, request=request,
                           enforce_policy=enforce_policy)


@transaction.atomic
def correct(certificate: Certificate, actor: User, changes: dict, reason: str, *, request=None) -> Certificate:
    """更正换发: a new version (same serial and number, version + 1) with the corrected data supersedes the old
    one, whose PDF stays as it was issued. Only the holder's name and ID, the scope and the validity end change."""
    reason = _required(reason, _("请写明更正原因。"), "reason")
    old = _lock(certificate)
    policy.can_correct(old, actor).enforce()
    if old.version >= 999:
        raise DomainError(_("该证照的版本号已用尽，请重新办理。"), code="version")
    values = {"certificate_name": old.name, "holder_name": old.holder_name, "holder_id_type": old.holder_id_type,
              "holder_id_number": old.holder_id_number, "scope": old.scope, "valid_from": old.valid_from,
              "valid_until": old.valid_until}
    original = dict(values)
    allowed = {"holder_name", "holder_id_number", "scope", "valid_until"}
    for key, value in (changes or {}).items():
        if key in allowed and value not in (None, ""):
            values[key] = value.strip() if isinstance(value, str) else value
    if values == original:
        raise DomainError(_("更正内容与原证照相同。"), code="unchanged")
    if values.get("valid_until") and values["valid_until"] < values["valid_from"]:
        raise DomainError(_("证照有效期截止日不能早于起始日。"), code="validity")
    now = timezone.now()
    old.standing = Certificate.Standing.SUPERSEDED
    old.standing_changed_at = now
    old.standing_reason = reason
    old.save(update_fields=["standing", "standing_changed_at", "standing_reason"])
    new = create_certificate(old.case, values, basis=Certificate.Basis.CORRECTION, decision=old.decision, issued_by=actor,
                  issued_at=now, serial=old.serial, licence_number=old.licence_number, version=old.version + 1,
                  supersedes=old, renews=old.renews, note=reason)
    record_audit(actor, "certificate_corrected", old.case, opinion=reason, request=request,
                 data={"old": str(old.public_id), "new": str(new.public_id), "version": new.version})
    events.certificate_superseded(old, new, reason)
    return new


@transaction.atomic
def record_registry_search(user: User, query, shown: list[Certificate], total: int, *, page: int = 1,
                           request=None) -> None:
    """Every search of the licence registry (电子证照库) reads personal data: one audit row per search, with the
    query masked (selectors.RegistryQuery.masked) and the certificates shown (by their random ids)."""
    policy.may_search_registry(user).enforce()
    record_audit(user, "licence_registry_search", None, opinion=f"{query.mode}: {query.masked()}", request=request,
                 data={"mode": query.mode, "query": query.masked(), "results": total, "page": page,
                       "shown": [str(c.public_id) for c in shown]})
