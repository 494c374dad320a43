"""Writes of licence expiry and renewal (《中华人民共和国行政许可法》第五十条).

- sweep_licence_expiry_reminders(today): the holders of licences reaching a reminder point are told (bell, SMS,
  e-mail), each point once (one INSERT ... ON CONFLICT DO NOTHING over the partial index of valid certificates).
- start_renewal(certificate, user, today): a renewal application of the same item, prefilled from the licence and
  its application, linked by a Renewal row; refused after the last filing day.
- submit_refusal(application): the same date checked again when the renewal is submitted (registered with
  applications.extensions in ApprovalsConfig.ready, so applications never imports approvals).
- record_renewed(application, certificates): a normal decision renewed the licence (called by
  approvals.certificates.services.issue_due when it issues the new certificate).
- sweep_deemed_renewals(today): renewals accepted in time and still undecided after the old licence's last day
  are deemed granted: the case closes as approved by the system and the renewed licence is issued, saying why.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from applications import services as app_services
from applications.models import Application, Status
from approvals.cases.models import CLOSED_STAGES, OPEN_STAGES, ApprovalCase, Stage
from approvals.certificates import services as certificate_services
from approvals.certificates.models import Certificate
from approvals.renewals import policy, rules, selectors
from approvals.renewals.models import Renewal
from approvals.timers import TIMER_FIELDS, disarm
from portal import clock
from portal.audit import record_audit, record_system_events
from portal.errors import Conflict
from portal.models import User
from portal.notifications import Message, notify_many

log = logging.getLogger(__name__)


def _date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else str(_("长期"))


# --- reminders -----------------------------------------------------------------------------------------------

# One statement: every valid certificate whose reminder point (valid_until - days) has come, and was on or after
# its first valid day, gets a row per point it has not had yet; of the points a certificate gets in one run (more
# than one only when runs were missed) only the nearest one is notified. Served by the partial index
# certificate_valid_expiry (standing = 'valid', valid_until between today and the farthest point). Left out: a
# licence already renewed, one with a renewal filed (or granted), and a point a corrected earlier version of the
# same licence (same number) was reminded of (looked up only for a corrected version, by the number's index).
_REMINDER_SQL = """
WITH points(days) AS (SELECT unnest(%(points)s::int[])),
due AS (
    SELECT c.id AS certificate_id, p.days, c.valid_until - p.days AS due_on
      FROM approvals_certificate c
      JOIN points p ON c.valid_until - p.days <= %(today)s AND c.valid_until - p.days >= c.valid_from
     WHERE c.standing = 'valid' AND c.valid_until >= %(today)s AND c.valid_until <= %(horizon)s
       AND NOT EXISTS (SELECT 1 FROM approvals_certificate n WHERE n.renews_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM approvals_renewal r JOIN applications_application a ON a.id = r.application_id
                        WHERE r.certificate_id = c.id
                          AND (r.outcome <> 'pending' OR a.status NOT IN ('draft', 'refused', 'withdrawn', 'lapsed')))
       AND NOT EXISTS (SELECT 1 FROM approvals_expiryreminder e WHERE e.certificate_id = c.id AND e.days_before = p.days)
       AND (c.version = 1 OR NOT EXISTS (
                SELECT 1 FROM approvals_certificate o
                 WHERE o.licence_number = c.licence_number AND o.version < c.version
                   AND EXISTS (SELECT 1 FROM approvals_expiryreminder e
                                WHERE e.certificate_id = o.id AND e.days_before = p.days)))
), ranked AS (
    SELECT certificate_id, days, due_on,
           row_number() OVER (PARTITION BY certificate_id ORDER BY days) = 1 AS notified
      FROM due
)
INSERT INTO approvals_expiryreminder (certificate_id, days_before, due_on, notified, created_at)
SELECT certificate_id, days, due_on, notified, now() FROM ranked ORDER BY certificate_id, days
ON CONFLICT (certificate_id, days_before) DO NOTHING
RETURNING certificate_id, days_before, notified
"""


def reminder_days() -> list[int]:
    return rules.reminder_points(getattr(settings, "LICENCE_EXPIRY_REMINDER_DAYS", (90, 30, 7)))


@transaction.atomic
def sweep_licence_expiry_reminders(today: date | None = None) -> int:
    """Remind the holders of valid licences reaching a point before expiry (LICENCE_EXPIRY_REMINDER_DAYS) to
    renew: in the portal and by the LICENCE_EXPIRY_REMINDER_CHANNELS (rows the worker delivers after the commit).
    Each (licence, point) once: a second run, or a concurrent one, inserts nothing and tells nobody. Points missed
    while the worker was down are caught up with one reminder (the nearest). Returns how many licences' holders
    were reminded."""
    today = today or clock.today()
    points = reminder_days()
    if not points:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_REMINDER_SQL, {"points": points, "today": today,
                                       "horizon": today + timedelta(days=max(points))})
        rows = cursor.fetchall()
    if not rows:
        return 0
    notified = {certificate_id: days for certificate_id, days, sent in rows if sent}
    details = {c["pk"]: c for c in selectors.reminded_certificates(notified)}
    accounts = selectors.holder_accounts({c["application__applicant_id"] for c in details.values()})
    lead = selectors.lead_days_by_item({c["item_id"] for c in details.values()})
    messages = []
    for certificate_id, days in notified.items():
        c = details[certificate_id]
        last = rules.last_filing_day(c["valid_until"], lead[c["item_id"]])
        left = (c["valid_until"] - today).days
        if last >= today:
            advice = _("如需继续从事许可事项，请于%(last)s前申请延续（《中华人民共和国行政许可法》第五十条）。") % {
                "last": _date(last)}
        else:
            advice = _("已超过申请延续的期限（%(last)s），如需继续从事许可事项，请重新申请许可。") % {"last": _date(last)}
        body = _("您的%(name)s（%(number)s）有效期至%(until)s，还有%(left)s天到期。%(advice)s") % {
            "name": c["name"], "number": c["licence_number"], "until": _date(c["valid_until"]), "left": left,
            "advice": advice}
        url = reverse("approvals:renew", args=[c["public_id"]])
        for user_id in accounts.get(c["application__applicant_id"], []):
            messages.append(Message(recipient_id=user_id, title=str(_("证照即将到期")), body=str(body), url=url,
                                    dedupe_key=f"licence-expiry:{certificate_id}:{days}"))
    notify_many(messages, channels=getattr(settings, "LICENCE_EXPIRY_REMINDER_CHANNELS", ("sms", "email")))
    record_system_events(
        "licence_expiry_reminder", "approvals.certificate", [(cid, "") for cid, _days, _sent in rows],
        opinions=[_("证照到期前%(d)s天提醒") % {"d": days} + ("" if sent else _("（已由更近的提醒代替）"))
                  for _cid, days, sent in rows],
        data=[{"days_before": days, "notified": sent} for _cid, days, sent in rows],
    )
    log.info("licence expiry reminders: %d licences, %d messages", len(notified), len(messages))
    return len(notified)


# --- starting a renewal ----------------------------------------------------------------------------------------


def _prefill(certificate: Certificate, application: Application) -> dict:
    """The renewal's form from the licence and the application it was granted on: the same project and site,
    contact and the item's own fields; the description names the licence, its number and its scope."""
    spec = app_services.form_spec(application)
    keys = set(spec.keys())
    data = {k: v for k, v in (certificate.application.form_data or {}).items() if k in keys and v}
    data["description"] = str(_("申请延续%(name)s（证照编号：%(number)s，有效期至%(until)s）。许可范围：%(scope)s") % {
        "name": certificate.name, "number": certificate.licence_number, "until": _date(certificate.valid_until),
        "scope": certificate.scope or "—"})[:2000]
    for key in ("licence_number", "original_licence_number", "certificate_number"):
        if key in keys:
            data[key] = certificate.licence_number
    for key in ("scope", "licence_scope"):
        if key in keys:
            data[key] = certificate.scope
    return data


@transaction.atomic
def start_renewal(certificate: Certificate, user: User, *, today: date | None = None, request=None) -> Renewal:
    """The holder asks to extend a licence (Art. 50): a draft application of the same item for the same applicant,
    prefilled from the licence, linked by a Renewal row. Refused (with the last filing date) once the item's lead
    time before expiry has begun, for a licence not in force, and while another renewal is under way; the licence
    row is locked, so two clicks make one renewal."""
    today = today or clock.today()
    certificate = (Certificate.objects.select_for_update(of=("self",))
                   .select_related("application__applicant", "item").get(pk=certificate.pk))
    lead_days = selectors.lead_days_for(certificate)
    policy.can_renew(certificate, user, today, lead_days).enforce()
    application = app_services.start_application(user, certificate.application.applicant, item=certificate.item,
                                                  request=request)
    app_services.save_form(application, user, _prefill(certificate, application), request=request)
    renewal = Renewal.objects.create(
        application=application, certificate=certificate, started_by=user, lead_days=lead_days,
        file_by=rules.last_filing_day(certificate.valid_until, lead_days), expires_on=certificate.valid_until)
    record_audit(user, "renewal_start", application, request=request,
                 opinion=_("延续证照 %(n)s（有效期至%(d)s）") % {"n": certificate.licence_number,
                                                          "d": _date(certificate.valid_until)},
                 data={"certificate": str(certificate.public_id), "licence_number": certificate.licence_number,
                       "file_by": renewal.file_by.isoformat(), "lead_days": lead_days})
    return renewal


def submit_refusal(application: Application) -> str | None:
    """applications.extensions submit check: a renewal is filed no later than its last filing day, for a licence
    still in force (it may have been revoked since the draft was started)."""
    renewal = selectors.renewal_of(application)
    if renewal is None:
        return None
    verdict = policy.renewal_window(renewal.certificate, clock.today(), renewal.lead_days)
    return verdict.reason or None


def renewal_note(application: Application) -> str | None:
    """applications.extensions note: what every page of a renewal application says under its heading."""
    renewal = selectors.renewal_of(application)
    if renewal is None:
        return None
    old = renewal.certificate
    text = _("延续申请：原证 %(n)s，有效期至%(d)s（最迟申请日%(f)s）") % {
        "n": old.licence_number, "d": _date(old.valid_until), "f": _date(renewal.file_by)}
    if renewal.new_certificate is not None:
        new = renewal.new_certificate
        text += _("；%(o)s，新证 %(n)s，有效期%(a)s至%(b)s") % {
            "o": renewal.get_outcome_display(), "n": new.licence_number, "a": _date(new.valid_from),
            "b": _date(new.valid_until)}
    return str(text)


# --- a normal decision -------------------------------------------------------------------------------------------


def record_renewed(application: Application, issued: list[Certificate], actor: User | None = None, *,
                   request=None) -> None:
    """The decision's new certificate renews the licence: the renewal is granted (in issue_due's transaction)."""
    renewed = [c for c in issued if c.renews_id is not None]
    if not renewed:
        return
    updated = (Renewal.objects.filter(application=application, outcome=Renewal.Outcome.PENDING,
                                      certificate_id=renewed[0].renews_id)
               .update(outcome=Renewal.Outcome.GRANTED, new_certificate=renewed[0], decided_at=timezone.now()))
    if updated:
        record_audit(actor, "renewal_granted", application, request=request, opinion=_("准予延续，新证 %(n)s") % {
            "n": renewed[0].licence_number}, data={"certificate": str(renewed[0].public_id)})


# --- deemed granted ---------------------------------------------------------------------------------------------

DEEMED_BATCH = 500


def sweep_deemed_renewals(today: date | None = None) -> int:
    """Art. 50: every renewal whose application was accepted (filed in time) and whose case is still undecided
    after the old licence's last day is deemed granted: the renewed licence is issued from the day after the old
    one ended, for the item's validity, with the reason; the case closes as approved by the system; the application
    moves on to the issuing window. Each renewal in its own transaction; a renewal whose application or case
    someone holds right now is left for the next run (SKIP LOCKED). Safe to run twice or at once. Applications
    still in intake, refused or filed late are never deemed granted. Returns how many were granted."""
    today = today or clock.today()
    candidates = list(
        Renewal.objects.filter(outcome=Renewal.Outcome.PENDING, expires_on__lt=today,
                               application__status=Status.ACCEPTED)
        .order_by("expires_on", "pk").values_list("pk", "application_id")[:DEEMED_BATCH])
    granted = 0
    for renewal_id, application_id in candidates:
        if _deem_granted(renewal_id, application_id, today) is not None:
            granted += 1
    if granted:
        log.info("renewals deemed granted: %d", granted)
    return granted


@transaction.atomic
def _deem_granted(renewal_id: int, application_id: int, today: date) -> Certificate | None:
    # Locks in the order decide() takes them (the application, then the case), each skipped when held.
    application = (Application.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(pk=application_id, status=Status.ACCEPTED).first())
    if application is None:
        return None
    renewal = Renewal.objects.select_for_update(of=("self",)).select_related("certificate").get(pk=renewal_id)
    old = renewal.certificate
    if renewal.outcome != Renewal.Outcome.PENDING or old.valid_until is None or old.valid_until >= today:
        return None
    case = (ApprovalCase.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item_version", "application").filter(application=application, item_id=old.item_id)
            .first())
    if case is None or case.stage not in OPEN_STAGES:
        return None
    now = timezone.now()
    reason = rules.DEEMED_REASON
    before = case.stage
    case.deem_granted()
    case.decided_at = case.closed_at = now
    case.decided_by = None
    disarm(case)
    case.version += 1
    try:
        case.save(update_fields=["stage", "decided_at", "decided_by", "closed_at", "assignee", "claimed_at",
                                 "version", *TIMER_FIELDS])
    except ConcurrentTransition:
        raise Conflict(_("审批案件已被他人处理。"), code="concurrent") from None
    valid_from = old.valid_until + timedelta(days=1)  # the day after the old one's last: no gap, no overlap
    years = case.item_version.snapshot.get("certificate_validity_years")
    values = {"certificate_name": old.name, "holder_name": old.holder_name, "holder_id_type": old.holder_id_type,
              "holder_id_number": old.holder_id_number, "scope": old.scope, "valid_from": valid_from,
              "valid_until": certificate_services.validity_until(valid_from, years)}
    note = _("%(reason)s原证 %(n)s 有效期至%(d)s；延续申请 %(a)s 已于%(s)s依法提出并受理，有效期届满前未作出决定。") % {
        "reason": reason, "n": old.licence_number, "d": _date(old.valid_until), "a": application.case_number,
        "s": _date(timezone.localdate(application.submitted_at))}
    new = certificate_services.create_certificate(case, values, basis=Certificate.Basis.DEEMED_RENEWAL,
                                                  issued_by=None, issued_at=now, renews=old, note=note)
    record_audit(None, "case_deemed_granted", case, from_state=before, to_state=Stage.APPROVED, opinion=reason,
                 data={"renewal": renewal.pk, "certificate": str(new.public_id), "renews": str(old.public_id)})
    record_audit(None, "certificate_issued", case, opinion=f"{new.name}（{new.licence_number}）",
                 data={"certificate": str(new.public_id), "electronic_id": new.electronic_id,
                       "basis": Certificate.Basis.DEEMED_RENEWAL, "renews": str(old.public_id)})
    renewal.outcome, renewal.new_certificate, renewal.decided_at = Renewal.Outcome.DEEMED_GRANTED, new, now
    renewal.save(update_fields=["outcome", "new_certificate", "decided_at"])
    stages = list(ApprovalCase.objects.filter(application=application).values_list("stage", flat=True))
    if all(s in CLOSED_STAGES for s in stages):
        app_services.record_decision(application, None, action="renewal_deemed_granted", opinion=reason,
                                     audit_data={"renewal": renewal.pk, "certificate": str(new.public_id)})
    app_services.notify_applicant(application, _("证照延续视为准予"), _(
        "原证 %(o)s 有效期届满前未作出是否准予延续的决定，依法视为准予延续。新证 %(n)s，有效期%(a)s至%(b)s。") % {
        "o": old.licence_number, "n": new.licence_number, "a": _date(new.valid_from), "b": _date(new.valid_until)})
    return new
