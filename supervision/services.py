"""Every write of 审管联动: handoffs from outbox events, claims, supervision records (which may suspend or revoke a
certificate through approvals' service), webhook subscriptions and their secrets, department API tokens, feed
acknowledgements, rule-change notices, and the beat's overdue-claim sweep.

Handoffs are made by the outbox consumer `receive_event` (portal.outbox), inside the drain's savepoint: the
handoff, its sequence number and its deliveries commit with the event's "processed" mark, and the unique
(event, department) constraint makes a re-drive harmless.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as app_services
from applications.problems import services as problem_services
from approvals.certificates import services as certificate_services
from approvals.certificates.models import Certificate
from portal import clock
from portal.audit import record_audit
from portal.errors import DomainError
from portal.models import OutboxEvent, User
from portal.notifications import notify
from portal.roles import Role
from supervision import policy
from supervision.models import (
    DepartmentToken,
    Delivery,
    Feed,
    Handoff,
    RuleChangeNotice,
    Subscription,
    SupervisionDocument,
    SupervisionRecord,
)

TOKEN_PREFIX = "owd_"
SECRET_PREFIX = "whsec_"


def claim_limit_days() -> int:
    return getattr(settings, "SUPERVISION_CLAIM_WORKING_DAYS", 3)


# --- handoffs from the outbox ------------------------------------------------------------------------------------


def next_sequence(department_id: int) -> int:
    """The department's next handoff number: one row per department, incremented under its row lock, so numbers
    have no gaps and follow commit order per department."""
    Feed.objects.bulk_create([Feed(department_id=department_id)], ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE supervision_feed SET last_sequence = last_sequence + 1 WHERE department_id = %s "
                       "RETURNING last_sequence", [department_id])
        return cursor.fetchone()[0]


def _departments_for(event: OutboxEvent) -> list[int]:
    if event.topic == app_services.WITHDRAWN_TOPIC:  # only departments already told of this application
        return sorted(set(Handoff.objects.filter(application_id=int(event.subject_id))
                          .values_list("department_id", flat=True)))
    department = event.payload.get("supervising_department_id")
    return [department] if department else []


def receive_event(event: OutboxEvent) -> list[Handoff]:
    """Outbox consumer: one handoff per department concerned, idempotent by (event, department)."""
    if event.topic in PLATFORM_TOPICS:
        return receive_platform_event(event)
    kind = Handoff.KIND_BY_TOPIC[event.topic]
    payload = event.payload
    made = []
    today = clock.today()
    for department_id in _departments_for(event):
        if Handoff.objects.filter(event_id=event.event_id, department_id=department_id).exists():
            continue
        sequence = next_sequence(department_id)
        certificate = (payload.get("certificate") or {}).get("id")
        handoff = Handoff.objects.create(
            department_id=department_id, sequence=sequence, event_id=event.event_id,
            idempotency_key=f"msg_{event.event_id.hex}_{department_id}", kind=kind,
            payload={**payload, "topic": event.topic, "event_id": str(event.event_id),
                     "occurred_at": event.created_at.isoformat()},
            application_id=payload.get("application_id"), case_id=payload.get("case_id"),
            certificate=Certificate.objects.filter(public_id=certificate).first() if certificate else None,
            item_id=(payload.get("item") or {}).get("id"),
            claim_due_on=clock.add_working_days(today, claim_limit_days()),
            check_due_on=date.fromisoformat(payload["check_due_on"]) if payload.get("check_due_on") else None,
        )
        subscriptions = list(Subscription.objects.filter(department_id=department_id, active=True))
        Delivery.objects.bulk_create([Delivery(subscription=s, handoff=handoff, sequence=sequence)
                                      for s in subscriptions])
        if subscriptions:
            _push_after_commit(department_id)
        made.append(handoff)
    return made


def _push_after_commit(department_id: int) -> None:
    """Ask for a delivery run once the transaction commits, once per department whatever the number of handoffs it
    made (a drain of 200 events queues one task, not 200 that would find nothing left to send). A callback
    registered in a savepoint that was rolled back is gone from the connection's list, so it is asked again."""
    for entry in transaction.get_connection().run_on_commit:
        if getattr(entry[1], "supervision_department", None) == department_id:
            return

    def push():
        _push_later(department_id)

    push.supervision_department = department_id
    transaction.on_commit(push)


def _push_later(department_id: int) -> None:
    from supervision import delivery

    delivery.enqueue_department(department_id)


# --- 12345 hotline platforms: a work order's reply and follow-up result go back to the platform ---------------------

PLATFORM_TOPICS = (problem_services.REPLIED_TOPIC, problem_services.FOLLOWED_UP_TOPIC)


def next_platform_sequence(platform_id: int) -> int:
    """The platform's next message number (its own Feed row, as a department's)."""
    Feed.objects.bulk_create([Feed(platform_id=platform_id)], ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE supervision_feed SET last_sequence = last_sequence + 1 WHERE platform_id = %s "
                       "RETURNING last_sequence", [platform_id])
        return cursor.fetchone()[0]


def receive_platform_event(event: OutboxEvent) -> list[Handoff]:
    """A ticket from a 12345 platform was replied to or followed up: one message for the platform, delivered to
    its webhook subscriptions (signed, retried, in order, exactly as a department's) and readable by pull through
    the work-order API. Idempotent by (event, platform)."""
    platform_id = event.payload.get("platform_id")
    if not platform_id or Handoff.objects.filter(event_id=event.event_id, platform_id=platform_id).exists():
        return []
    sequence = next_platform_sequence(platform_id)
    handoff = Handoff.objects.create(
        platform_id=platform_id, sequence=sequence, event_id=event.event_id,
        idempotency_key=f"msg_{event.event_id.hex}_p{platform_id}", kind=Handoff.KIND_BY_TOPIC[event.topic],
        payload={**event.payload, "topic": event.topic, "event_id": str(event.event_id),
                 "occurred_at": event.created_at.isoformat()},
        ticket_id=int(event.subject_id) if event.subject_id else None)
    subscriptions = list(Subscription.objects.filter(platform_id=platform_id, active=True))
    Delivery.objects.bulk_create([Delivery(subscription=s, handoff=handoff, sequence=sequence)
                                  for s in subscriptions])
    if subscriptions:
        transaction.on_commit(lambda: _push_platform_later(platform_id))
    return [handoff]


def _push_platform_later(platform_id: int) -> None:
    from supervision import delivery

    delivery.enqueue_platform(platform_id)


@transaction.atomic
def add_platform_subscription(platform, url: str, *, name: str = "", actor: User | None = None) -> Subscription:
    """A 12345 platform's webhook (an administrator's step: manage.py hotline_webhook); the secret is returned on
    the row, to be given to the platform once."""
    policy.check_webhook_url(url).enforce()
    subscription = Subscription.objects.create(platform=platform, name=(name or "").strip()[:100] or url[:100],
                                               url=url.strip(), secret=new_secret(), created_by=actor)
    record_audit(actor, "subscription_added", subscription, data={"url": subscription.url, "platform": platform.code})
    return subscription


# --- claims and supervision records --------------------------------------------------------------------------------


def _lock(handoff: Handoff) -> Handoff:
    return Handoff.objects.select_for_update(of=("self",)).select_related("certificate", "department").get(
        pk=handoff.pk)


@transaction.atomic
def claim(handoff: Handoff, user: User, *, request=None) -> Handoff:
    """认领: the department takes the handoff on."""
    handoff = _lock(handoff)
    policy.can_claim(handoff, user).enforce()
    handoff.claimed_at = timezone.now()
    handoff.claimed_by = user
    handoff.save(update_fields=["claimed_at", "claimed_by"])
    record_audit(user, "handoff_claimed", handoff, request=request,
                 data={"sequence": handoff.sequence, "department": handoff.department_id})
    return handoff


@transaction.atomic
def record_result(handoff: Handoff, user: User, kind: str, summary: str, *, document_number: str = "",
                  documents=(), request=None) -> SupervisionRecord:
    """双向推送: report a supervision result on a claimed handoff. A suspension or revocation (and a commitment found
    false, which also marks the applicant's credit) changes the certificate's standing through approvals' service:
    the verification page says so at once and the holder is told."""
    from portal import sniffing

    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("请填写结果说明。"), code="summary")
    if kind not in SupervisionRecord.Kind.values:
        raise DomainError(_("请选择结果类型。"), code="kind")
    handoff = _lock(handoff)
    policy.can_record(handoff, user, kind).enforce()
    action = SupervisionRecord.CERTIFICATE_ACTIONS.get(kind)
    if action and not (document_number or "").strip():
        raise DomainError(_("暂扣或撤销许可须填写决定文书编号。"), code="document_number")
    record = SupervisionRecord.objects.create(handoff=handoff, kind=kind, summary=summary,
                                              document_number=(document_number or "").strip()[:80],
                                              recorded_by=user)
    stored: list = []
    try:
        for uploaded in documents:
            checked = sniffing.read_upload(uploaded, limit_for=lambda _kind: 20 * 1024 * 1024)
            try:
                SupervisionDocument.from_upload(checked, user, stored, record=record).save()
            finally:
                checked.close()
    except Exception:
        for storage, name in stored:
            storage.delete(name)
        raise
    if action:
        reason = _("%(dept)s：%(kind)s（%(number)s）%(summary)s") % {
            "dept": handoff.department.name, "kind": record.get_kind_display(), "number": record.document_number,
            "summary": summary[:200]}
        for certificate in _certificates_concerned(handoff):
            if certificate.standing == action:
                continue
            certificate_services.change_standing(certificate, user, action, reason, request=request,
                                                 enforce_policy=False)
    if kind == SupervisionRecord.Kind.COMMITMENT_FALSE and handoff.application_id:
        app_services.mark_false_commitment(handoff.application.applicant, user,
                                           _("告知承诺核查不实：%(s)s") % {"s": summary[:200]}, request=request)
    record_audit(user, "supervision_record", handoff, opinion=summary, request=request,
                 data={"kind": kind, "record": record.pk, "document_number": record.document_number})
    return record


def _certificates_concerned(handoff: Handoff) -> list[Certificate]:
    """The certificate a result acts on: the handoff's own, or (a 告知承诺 check, handed off at acceptance, before
    the licence existed) the case's certificates still in force."""
    if handoff.certificate_id:
        return [handoff.certificate]
    if handoff.case_id:
        return list(Certificate.objects.filter(case_id=handoff.case_id, standing__in=[
            Certificate.Standing.VALID, Certificate.Standing.SUSPENDED]))
    return []


def remind_overdue_checks(today: date) -> int:
    """告知承诺 checks (核查) past their deadline without a result: the department's people and the leaders are told,
    once a day. Returns how many checks are overdue."""
    overdue = list(Handoff.objects.filter(kind=Handoff.Kind.COMMITMENT, check_due_on__lt=today)
                   .exclude(records__kind__in=[SupervisionRecord.Kind.COMMITMENT_CONFIRMED,
                                               SupervisionRecord.Kind.COMMITMENT_FALSE])
                   .select_related("department"))
    leaders = list(User.objects.filter(groups__name=Role.BUREAU_LEADER.value, is_active=True).distinct())
    by_department: dict = {}
    for handoff in overdue:
        by_department.setdefault(handoff.department, []).append(handoff)
    for department, handoffs in by_department.items():
        title = _("告知承诺核查逾期：%(dept)s %(n)s 件") % {"dept": department.name, "n": len(handoffs)}
        body = "、".join(f"#{h.sequence}" for h in handoffs[:20])
        for person in [*leaders, *department.members.filter(is_active=True)]:
            notify(person, title, body, url="/supervision/?kind=commitment&state=all",
                   dedupe_key=f"check-overdue:{department.pk}:{today.isoformat()}:{person.pk}")
    return len(overdue)


def sweep_unclaimed(today: date | None = None) -> int:
    """Handoffs past their claim limit turn overdue (once) and are escalated: the bureau's leaders and the
    department's people are told; so are 告知承诺 checks past their deadline (remind_overdue_checks). Returns how
    many handoffs turned overdue now."""
    today = today or clock.today()
    remind_overdue_checks(today)
    with transaction.atomic():
        overdue = list(Handoff.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(claimed_at__isnull=True, overdue_since__isnull=True, claim_due_on__lt=today)
                       .select_related("department"))
        if not overdue:
            return 0
        Handoff.objects.filter(pk__in=[h.pk for h in overdue]).update(overdue_since=today)
        by_department: dict = {}
        for handoff in overdue:
            by_department.setdefault(handoff.department, []).append(handoff)
        leaders = list(User.objects.filter(groups__name=Role.BUREAU_LEADER.value, is_active=True).distinct())
        for department, handoffs in by_department.items():
            title = _("审管推送逾期未认领：%(dept)s %(n)s 件") % {"dept": department.name, "n": len(handoffs)}
            body = "、".join(f"#{h.sequence}" for h in handoffs[:20])
            members = department.members.filter(is_active=True)
            for person in [*leaders, *members]:
                notify(person, title, body, url="/supervision/?state=overdue",
                       dedupe_key=f"handoff-overdue:{department.pk}:{today.isoformat()}:{person.pk}")
    return len(overdue)


# --- subscriptions, secrets and tokens -----------------------------------------------------------------------------


def new_secret() -> str:
    """A webhook secret in the Standard Webhooks form: whsec_ + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _department_of(user: User):
    department = policy.department_of(user)
    if department is None:
        raise DomainError(_("您的账号未关联监管部门，请联系系统管理员。"), code="no_department")
    return department


@transaction.atomic
def add_subscription(user: User, name: str, url: str, *, request=None) -> Subscription:
    department = _department_of(user)
    policy.check_webhook_url(url).enforce()
    subscription = Subscription.objects.create(department=department, name=(name or "").strip()[:100] or url[:100],
                                               url=url.strip(), secret=new_secret(), created_by=user)
    record_audit(user, "subscription_added", subscription, request=request, data={"url": subscription.url})
    return subscription


@transaction.atomic
def rotate_secret(subscription: Subscription, user: User, *, overlap_hours: int = 24, request=None) -> Subscription:
    """A new secret at once; the old one keeps signing alongside for `overlap_hours` (two signatures in the
    webhook-signature header), so the department can switch its receiver without losing a message."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    policy.can_manage(subscription.department, user).enforce()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = timezone.now() + timedelta(hours=max(0, overlap_hours))
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    record_audit(user, "subscription_secret_rotated", subscription, request=request,
                 data={"overlap_hours": overlap_hours})
    return subscription


@transaction.atomic
def set_subscription_active(subscription: Subscription, user: User, active: bool, *, request=None) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    policy.can_manage(subscription.department, user).enforce()
    subscription.active = active
    subscription.save(update_fields=["active"])
    if active:  # what arrived while it was off is delivered too, in order
        handoffs = Handoff.objects.filter(department=subscription.department).exclude(
            deliveries__subscription=subscription)
        Delivery.objects.bulk_create([Delivery(subscription=subscription, handoff=h, sequence=h.sequence)
                                      for h in handoffs], ignore_conflicts=True)
        transaction.on_commit(lambda: _push_later(subscription.department_id))
    record_audit(user, "subscription_enabled" if active else "subscription_disabled", subscription, request=request)
    return subscription


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(user: User, name: str, *, department=None, request=None) -> tuple[DepartmentToken, str]:
    """A new API token for the user's department (or, for an administrator, the one given). The token itself is
    returned once and never stored: only its SHA-256."""
    department = department if department is not None and user.has_role(Role.ADMINISTRATOR) else _department_of(user)
    policy.can_manage(department, user).enforce()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DepartmentToken.objects.create(department=department, name=(name or "").strip()[:100] or _("接口令牌"),
                                         prefix=token[:12], token_hash=hash_token(token), created_by=user)
    record_audit(user, "token_created", row, request=request, data={"prefix": row.prefix})
    return row, token


@transaction.atomic
def revoke_token(token: DepartmentToken, user: User, *, request=None) -> DepartmentToken:
    token = DepartmentToken.objects.select_for_update().get(pk=token.pk)
    policy.can_manage(token.department, user).enforce()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(user, "token_revoked", token, request=request, data={"prefix": token.prefix})
    return token


def token_department(raw: str):
    """The department of a live token (and its row), or None. Marks the use (at most once a minute)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    row = (DepartmentToken.objects.select_related("department")
           .filter(token_hash=hash_token(raw), revoked_at__isnull=True).first())
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        DepartmentToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


@transaction.atomic
def acknowledge(department, sequence: int) -> Feed:
    """The department has everything up to `sequence` (the pull feed's cursor): never backwards, never ahead."""
    Feed.objects.bulk_create([Feed(department=department)], ignore_conflicts=True)
    feed = Feed.objects.select_for_update().get(department=department)
    if sequence > feed.last_sequence:
        raise DomainError(_("确认的序号 %(s)s 超过已推送的最大序号 %(m)s。"), code="ahead",
                          params={"s": sequence, "m": feed.last_sequence})
    if sequence > feed.acknowledged_sequence:
        feed.acknowledged_sequence = sequence
        feed.acknowledged_at = timezone.now()
        feed.save(update_fields=["acknowledged_sequence", "acknowledged_at"])
    return feed


@transaction.atomic
def post_rule_notice(user: User, title: str, body: str, *, items=(), effective_on=None,
                     request=None) -> RuleChangeNotice:
    department = _department_of(user)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise DomainError(_("请填写标题和内容。"), code="required")
    notice = RuleChangeNotice.objects.create(department=department, title=title[:200], body=body,
                                             effective_on=effective_on, posted_by=user)
    if items:
        notice.items.set(items)
    for admin in User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True):
        notify(admin, _("监管部门规则变更：%(t)s") % {"t": notice.title}, f"{department.name}：{body[:120]}",
               url=f"/admin/supervision/rulechangenotice/{notice.pk}/change/")
    record_audit(user, "rule_notice_posted", notice, request=request)
    return notice
