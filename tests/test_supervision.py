"""审管联动 at the service, page and API level (real PostgreSQL): outbox events become handoffs once per department,
numbered in order; claims; supervision results that suspend or revoke the certificate and mark a false commitment;
department tokens that read their own department's feed only; acknowledgements; the overdue sweep."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications.models import Applicant
from approvals.cases import services as case_services
from approvals.certificates.models import Certificate
from approvals.testing import Flow, make_person
from catalog.models import Department
from catalog.testing import make_department
from portal import clock, outbox
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent, Notification, OutboxEvent
from portal.roles import Role
from supervision import services
from supervision.models import Feed, Handoff, SupervisionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def department_user(department: Department, name: str = "周监管"):
    user = make_person(Role.DEPARTMENT_USER, name)
    department.members.add(user)
    return type(user).objects.get(pk=user.pk)


def approve(flow, case):
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    return case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, True, opinion="同意")


def decided_handoff(flow):
    case = flow.case()
    decision = approve(flow, case)
    outbox.drain()
    return Handoff.objects.get(case=case, kind=Handoff.Kind.DECISION), decision


def test_a_decision_becomes_one_handoff_for_the_supervising_department_with_its_certificate(flow):
    handoff, decision = decided_handoff(flow)
    certificate = Certificate.objects.get(decision=decision)
    assert handoff.department_id == decision.case.item.supervising_department_id
    assert handoff.certificate == certificate and handoff.sequence == 1
    assert handoff.payload["certificate"]["licence_number"] == certificate.licence_number
    assert handoff.payload["certificate"]["verification_url"].endswith(certificate.electronic_id)
    assert handoff.payload["decision"]["outcome"] == "approve"
    assert handoff.claim_due_on == clock.add_working_days(clock.today(), 3)
    # exactly once: a re-drive of the same event makes nothing new
    event = OutboxEvent.objects.get(event_id=handoff.event_id)
    assert services.receive_event(event) == []
    assert Handoff.objects.filter(event_id=handoff.event_id).count() == 1


def test_a_rolled_back_decision_leaves_no_event(flow):
    case = flow.case()
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    before = OutboxEvent.objects.count()
    with pytest.raises(DomainError):
        case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, False, reasons="")
    assert OutboxEvent.objects.count() == before


def test_sequences_are_per_department_and_gapless(flow):
    for _ in range(3):
        approve(flow, flow.case())
    outbox.drain()
    department = flow.case().item.supervising_department
    sequences = list(Handoff.objects.filter(department=department).order_by("sequence")
                     .values_list("sequence", flat=True))
    assert sequences == [1, 2, 3] and Feed.objects.get(department=department).last_sequence == 3


def test_a_drain_of_many_events_asks_for_one_delivery_run_per_department(flow, django_capture_on_commit_callbacks):
    department = flow.case().item.supervising_department
    officer = department_user(department)
    services.add_subscription(officer, "执法系统", "http://127.0.0.1:9/hook")
    for _ in range(3):
        approve(flow, flow.case())
    with django_capture_on_commit_callbacks() as callbacks:
        outbox.drain()
    pushes = [c for c in callbacks if getattr(c, "supervision_department", None) == department.pk]
    assert len(pushes) == 1  # not one task per handoff, each but the first finding nothing left to send
    from supervision.models import Delivery

    assert Delivery.objects.filter(subscription__department=department).count() == 3


def test_a_dead_letter_alert_stays_until_the_last_dead_letter_of_its_subscription_is_redriven(flow):
    from portal.models import MaintenanceAlert
    from supervision import delivery
    from supervision.models import Delivery

    for _ in range(2):
        approve(flow, flow.case())
    department = flow.case().item.supervising_department
    officer = department_user(department)
    subscription = services.add_subscription(officer, "执法系统", "http://127.0.0.1:9/hook")
    outbox.drain()
    first, second = Delivery.objects.filter(subscription=subscription).order_by("sequence")
    admin = make_person(Role.ADMINISTRATOR, "系统管理员")
    for row in (first, second):
        Delivery.objects.filter(pk=row.pk).update(status=Delivery.Status.DEAD, attempts=12, last_error="HTTP 500")
        delivery._alert_dead_letter(subscription, Delivery.objects.get(pk=row.pk))
    alert = MaintenanceAlert.objects.get(code=f"webhook-dead-{subscription.pk}")
    assert delivery.redrive_dead([first.pk], admin) == 1
    assert MaintenanceAlert.objects.get(pk=alert.pk).resolved_at is None  # the second is still dead
    assert delivery.redrive_dead([second.pk], admin) == 1
    assert MaintenanceAlert.objects.get(pk=alert.pk).resolved_at is not None
    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.PENDING


def test_a_joint_bundle_hands_off_when_its_certificates_are_issued_together(flow):
    cases = flow.bundle_cases(2)
    approve(flow, cases[0])
    outbox.drain()
    assert not Handoff.objects.filter(case__in=cases).exists()  # the first case's certificate waits for the second
    approve(flow, cases[1])
    outbox.drain()
    handoffs = Handoff.objects.filter(case__in=cases)
    assert handoffs.count() == 2 and all(h.certificate_id for h in handoffs)


def test_a_withdrawal_is_handed_off_only_to_a_department_already_told(flow):
    from applications import services as app_services
    from applications.models import Application

    case = flow.case()
    app_services.withdraw(Application.objects.get(pk=case.application_id), flow.applicant_user, "不办了")
    outbox.drain()
    assert not Handoff.objects.filter(application_id=case.application_id).exists()


def test_claim_then_a_revocation_changes_the_certificate_and_tells_the_holder(flow):
    handoff, decision = decided_handoff(flow)
    officer = department_user(handoff.department)
    other = department_user(make_department(), "外部门")
    with pytest.raises(PermissionDenied):
        services.claim(handoff, other)
    with pytest.raises(DomainError, match="先认领"):
        services.record_result(handoff, officer, "revocation", "无证经营")
    services.claim(handoff, officer)
    with pytest.raises(Conflict, match="已由"):
        services.claim(handoff, officer)
    with pytest.raises(DomainError, match="文书编号"):
        services.record_result(handoff, officer, "revocation", "以欺骗手段取得许可")
    with pytest.raises(DomainError, match="告知承诺"):
        services.record_result(handoff, officer, "commitment_false", "x", document_number="1")
    record = services.record_result(handoff, officer, "revocation", "以欺骗手段取得许可",
                                    document_number="宝市监罚〔2026〕12号")
    certificate = Certificate.objects.get(decision=decision)
    assert certificate.standing == Certificate.Standing.REVOKED and "宝市监罚〔2026〕12号" in certificate.standing_reason
    assert record.kind == SupervisionRecord.Kind.REVOCATION
    assert Notification.objects.filter(recipient=flow.applicant_user, title__startswith="证照状态变更").exists()
    # the revocation is itself an event: the department gets a revocation handoff after its decision handoff
    outbox.drain()
    assert list(Handoff.objects.filter(department=handoff.department).order_by("sequence")
                .values_list("kind", flat=True)) == ["decision", "revocation"]
    assert AuditEvent.objects.filter(action="supervision_record").exists()


def test_a_false_commitment_revokes_and_marks_the_applicants_credit(flow):
    from django.contrib.auth.models import Permission

    from applications import services as app_services
    from applications import testing as app_testing
    from applications.models import Commitment
    from approvals.intake import services as intake_services

    item = flow.item()
    item.commitment_allowed = True
    item.save()
    from catalog import services as catalog_services

    catalog_services.publish_item(item)
    application = app_services.start_application(flow.applicant_user, app_testing.make_person(flow.applicant_user),
                                                 item=item)
    app_testing.complete_draft(application, flow.applicant_user)
    app_services.sign_commitment(application, flow.applicant_user, Commitment.Kind.LICENSING, "张丽华")
    application = app_services.submit(application, flow.applicant_user)
    flow.clerk.user_permissions.add(Permission.objects.get(codename="decide_instant"))
    clerk = type(flow.clerk).objects.get(pk=flow.clerk.pk)
    intake_services.accept_on_commitment(application, clerk, decide_now=True)
    outbox.drain()
    check = Handoff.objects.get(application=application, kind=Handoff.Kind.COMMITMENT)
    assert check.check_due_on > clock.today() and check.certificate is None  # handed off at acceptance
    certificate = Handoff.objects.get(application=application, kind=Handoff.Kind.DECISION).certificate
    assert certificate.basis == Certificate.Basis.ON_THE_SPOT
    officer = department_user(check.department)
    services.claim(check, officer)
    services.record_result(check, officer, "commitment_false", "经营场所与承诺不符", document_number="宝市监核〔2026〕3号")
    assert Applicant.objects.get(pk=application.applicant_id).bad_credit
    assert Certificate.objects.get(pk=certificate.pk).standing == Certificate.Standing.REVOKED


def test_tokens_are_stored_hashed_read_their_own_department_and_can_be_revoked(client, flow):
    handoff, _decision = decided_handoff(flow)
    officer = department_user(handoff.department)
    row, token = services.create_token(officer, "执法系统")
    assert token.startswith("owd_") and token not in row.token_hash and len(row.token_hash) == 64
    other_officer = department_user(make_department(), "外部门")
    _other_row, other_token = services.create_token(other_officer, "外部门系统")
    feed_url = reverse("supervision-api:feed-list")
    answer = client.get(feed_url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200 and [r["sequence"] for r in answer.json()["results"]] == [handoff.sequence]
    assert client.get(feed_url, HTTP_AUTHORIZATION=f"Bearer {other_token}").json()["results"] == []
    detail = reverse("supervision-api:handoff-detail", args=[handoff.public_id])
    assert client.get(detail, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
    assert client.get(detail, HTTP_AUTHORIZATION=f"Bearer {token}").json()["sequence"] == handoff.sequence
    assert client.get(feed_url, HTTP_AUTHORIZATION="Bearer owd_wrong").status_code == 401
    services.revoke_token(row, officer)
    assert client.get(feed_url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_pull_feed_pages_by_sequence_and_acknowledges_forward_only(client, flow):
    for _ in range(3):
        approve(flow, flow.case())
    outbox.drain()
    department = flow.case().item.supervising_department
    officer = department_user(department)
    _row, token = services.create_token(officer, "系统")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = reverse("supervision-api:feed-list")
    first = client.get(url, {"after": 0, "limit": 2}, **auth).json()
    assert [r["sequence"] for r in first["results"]] == [1, 2] and first["next_after"] == 2
    rest = client.get(url, {"after": first["next_after"]}, **auth).json()
    assert [r["sequence"] for r in rest["results"]] == [3] and rest["last_sequence"] == 3
    ack = reverse("supervision-api:feed-ack")
    assert client.post(ack, {"sequence": 2}, content_type="application/json", **auth).json()[
        "acknowledged_sequence"] == 2
    assert client.post(ack, {"sequence": 1}, content_type="application/json", **auth).json()[
        "acknowledged_sequence"] == 2  # never backwards
    assert client.post(ack, {"sequence": 9}, content_type="application/json", **auth).status_code == 400


def test_claim_and_record_by_api(client, flow):
    handoff, decision = decided_handoff(flow)
    officer = department_user(handoff.department)
    _row, token = services.create_token(officer, "系统")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    claim = reverse("supervision-api:handoff-claim", args=[handoff.public_id])
    assert client.post(claim, **auth).json()["claimed_at"]
    assert client.post(claim, **auth).status_code == 409
    records = reverse("supervision-api:handoff-records", args=[handoff.public_id])
    answer = client.post(records, {"kind": "inspection", "summary": "现场检查未发现问题"}, content_type="application/json",
                         **auth)
    assert answer.status_code == 201
    assert Certificate.objects.get(decision=decision).standing == Certificate.Standing.VALID


def test_unclaimed_handoffs_turn_overdue_once_and_escalate_to_the_leader(flow):
    handoff, _decision = decided_handoff(flow)
    department_user(handoff.department)
    later = handoff.claim_due_on + timedelta(days=1)
    assert services.sweep_unclaimed(later) == 1 and services.sweep_unclaimed(later) == 0
    assert Handoff.objects.get(pk=handoff.pk).overdue_since == later
    assert Notification.objects.filter(recipient=flow.leader, title__startswith="审管推送逾期未认领").exists()


def test_the_department_users_pages(client, flow):
    handoff, decision = decided_handoff(flow)
    officer = department_user(handoff.department)
    client.force_login(officer)
    body = client.get(reverse("supervision:feed")).content.decode()
    assert f'data-sequence="{handoff.sequence}"' in body
    assert client.post(reverse("supervision:claim", args=[handoff.public_id])).status_code == 302
    page = client.post(reverse("supervision:handoff", args=[handoff.public_id]),
                       {"kind": "suspension", "summary": "责令停业整顿", "document_number": "宝市监罚〔2026〕13号"})
    assert page.status_code == 302
    assert Certificate.objects.get(decision=decision).standing == Certificate.Standing.SUSPENDED
    body = client.get(reverse("supervision:handoff", args=[handoff.public_id])).content.decode()
    assert "暂扣许可证件" in body and "宝市监罚〔2026〕13号" in body
    home = client.get("/").content.decode()
    assert 'data-testid="panel-handoffs"' in home
    client.force_login(flow.certifier)
    assert client.get(reverse("supervision:handoff", args=[handoff.public_id])).status_code in (403, 404)


def test_webhook_secrets_rotate_with_an_overlap_and_urls_are_checked(flow, settings):
    handoff, _decision = decided_handoff(flow)
    officer = department_user(handoff.department)
    subscription = services.add_subscription(officer, "执法系统", "http://127.0.0.1:9/hook")
    assert subscription.secret.startswith("whsec_")
    old = subscription.secret
    rotated = services.rotate_secret(subscription, officer, overlap_hours=24)
    assert rotated.previous_secret == old and rotated.secret != old
    from supervision import delivery

    assert delivery.signing_secrets(rotated) == [rotated.secret, old]
    settings.SUPERVISION_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(DomainError, match="https"):
        services.add_subscription(officer, "x", "http://example.com/hook")
    with pytest.raises(DomainError, match="内网"):
        services.add_subscription(officer, "x", "https://127.0.0.1/hook")


def test_an_unchecked_commitment_past_its_deadline_is_reminded_once_a_day(flow):
    handoff, _decision = decided_handoff(flow)
    Handoff.objects.filter(pk=handoff.pk).update(kind=Handoff.Kind.COMMITMENT, check_due_on=clock.today())
    officer = department_user(handoff.department)
    later = clock.today() + timedelta(days=1)
    assert services.remind_overdue_checks(clock.today()) == 0
    assert services.remind_overdue_checks(later) == 1
    services.remind_overdue_checks(later)
    assert Notification.objects.filter(recipient=officer, title__startswith="告知承诺核查逾期").count() == 1
    services.claim(Handoff.objects.get(pk=handoff.pk), officer)
    services.record_result(Handoff.objects.get(pk=handoff.pk), officer, "commitment_ok", "现场核查属实")
    assert services.remind_overdue_checks(later) == 0
