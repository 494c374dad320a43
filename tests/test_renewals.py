"""Licence expiry and renewal (issue 11, item 7; Art. 50 of the Administrative Licensing Law): reminders at the
configured points before expiry (each once, missed ones caught up, none for licences revoked, superseded or
renewed); a renewal started from the licence (prefilled, refused after the item's last filing date, at the start
and again at submission); a normal decision renews the licence from the day after it ends; and a renewal accepted
in time but left undecided past expiry is deemed granted by the sweep, which says why."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications import services as app_services
from applications import testing as app_testing
from applications.models import Application, Status
from approvals.cases import services as case_services
from approvals.certificates import services as certificate_services
from approvals.certificates.models import Certificate
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, Stage
from approvals.renewals import rules
from approvals.renewals import services as renewals
from approvals.renewals.models import ExpiryReminder, Renewal
from approvals.testing import Flow, make_person
from catalog import services as catalog_services
from portal import clock
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent, Notification, NotificationDelivery
from portal.roles import Role

pytestmark = pytest.mark.django_db

T = clock.today()


def day(n: int) -> date:
    return T + timedelta(days=n)


def cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@pytest.fixture
def flow(db, settings):
    settings.LICENCE_EXPIRY_REMINDER_DAYS = [90, 30, 7]
    settings.LICENCE_EXPIRY_REMINDER_CHANNELS = ["sms", "email"]
    flow = Flow.build()
    user = flow.applicant_user
    user.mobile, user.email = "13800000009", "lihua@example.cn"
    user.save(update_fields=["mobile", "email"])
    return flow


def approve(flow, case, **certificate):
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    case = case_services.claim_case(case, flow.certifier)
    return case_services.decide(case, flow.certifier, True, certificate=certificate or None, opinion="同意")


def licence(flow, *, until: int, since: int = -300, item=None, lead_days: int | None = None) -> Certificate:
    """A licence of the flow's applicant, valid from `since` to `until` days from today."""
    if item is None:
        item = flow.item(validity_years=3)
    if lead_days is not None:
        item.renewal_lead_days = lead_days
        item.save()
        catalog_services.publish_item(item)
    case = ApprovalCase.objects.get(application=flow.accepted(item=item))
    decision = approve(flow, case, valid_from=day(since), valid_until=day(until))
    return Certificate.objects.get(decision=decision)


def filed_renewal(flow, old: Certificate, *, started: date = T, accept: bool = True) -> Renewal:
    """A renewal started on `started`, completed and submitted now, and (by default) accepted by the clerk."""
    renewal = renewals.start_renewal(old, flow.applicant_user, today=started)
    application = app_testing.complete_draft(renewal.application, flow.applicant_user)
    app_services.submit(application, flow.applicant_user)
    if accept:
        intake_services.accept(Application.objects.get(pk=application.pk), flow.clerk)
    renewal.refresh_from_db()
    return renewal


def reminders_to(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, title="证照即将到期").order_by("id"))


# --- pure rules --------------------------------------------------------------------------------------------------


def test_the_last_filing_day_counts_calendar_days_before_the_last_valid_day():
    assert rules.last_filing_day(date(2027, 3, 31), 30) == date(2027, 3, 1)
    assert rules.last_filing_day(date(2028, 3, 30), 30) == date(2028, 2, 29)  # leap year
    assert rules.lead_days_of({}) == 30 and rules.lead_days_of({"renewal_lead_days": 60}) == 60
    assert rules.lead_days_of({"renewal_lead_days": 0}) == 0
    assert rules.reminder_points(["7", 90, 30, 30, 0, -1]) == [90, 30, 7]


def test_the_item_version_snapshot_carries_the_lead_time(flow):
    item = flow.item()
    item.renewal_lead_days = 45
    item.save()
    catalog_services.publish_item(item)
    version = catalog_services.require_applicable(item)
    assert version.snapshot["renewal_lead_days"] == 45


# --- reminders ---------------------------------------------------------------------------------------------------


def test_each_reminder_point_reminds_the_holder_once_in_the_portal_by_sms_and_email(flow):
    old = licence(flow, until=100)
    user = flow.applicant_user
    assert renewals.sweep_licence_expiry_reminders(today=day(9)) == 0  # 91 days left: no point reached
    assert renewals.sweep_licence_expiry_reminders(today=day(10)) == 1  # 90 days
    assert renewals.sweep_licence_expiry_reminders(today=day(10)) == 0  # the same day again: nothing
    assert renewals.sweep_licence_expiry_reminders(today=day(11)) == 0
    (note,) = reminders_to(user)
    assert old.licence_number in note.body and "还有90天到期" in note.body and cn(day(70)) in note.body
    assert note.url == reverse("approvals:renew", args=[old.public_id])
    assert sorted(NotificationDelivery.objects.filter(notification=note).values_list("channel", "address")) == [
        ("email", "lihua@example.cn"), ("sms", "13800000009")]
    assert renewals.sweep_licence_expiry_reminders(today=day(70)) == 1  # 30 days
    assert renewals.sweep_licence_expiry_reminders(today=day(93)) == 1  # 7 days
    assert renewals.sweep_licence_expiry_reminders(today=day(93)) == 0
    assert renewals.sweep_licence_expiry_reminders(today=day(101)) == 0  # expired: nothing more
    assert [n.body.split("还有")[1][:4] for n in reminders_to(user)] == ["90天到", "30天到", "7天到期"]
    assert sorted(ExpiryReminder.objects.filter(certificate=old).values_list("days_before", "notified")) == [
        (7, True), (30, True), (90, True)]
    # the 7-day reminder says the filing date has passed
    assert "已超过申请延续的期限" in reminders_to(user)[-1].body
    assert AuditEvent.objects.filter(action="licence_expiry_reminder", object_id=str(old.pk)).count() == 3


def test_points_missed_while_the_worker_was_down_are_caught_up_with_one_reminder(flow):
    old = licence(flow, until=100)
    assert renewals.sweep_licence_expiry_reminders(today=day(12)) == 1  # the 90-day point two days late
    assert len(reminders_to(flow.applicant_user)) == 1
    # down again from before the 30-day point until after the 7-day one: one reminder (the nearest), both points done
    assert renewals.sweep_licence_expiry_reminders(today=day(95)) == 1
    notes = reminders_to(flow.applicant_user)
    assert len(notes) == 2 and "还有5天到期" in notes[-1].body
    assert sorted(ExpiryReminder.objects.filter(certificate=old).values_list("days_before", "notified")) == [
        (7, True), (30, False), (90, True)]
    assert renewals.sweep_licence_expiry_reminders(today=day(96)) == 0


def test_a_point_before_the_licence_began_is_not_reminded(flow):
    licence(flow, since=-20, until=60)  # issued 80 days before expiry: no 90-day reminder, ever
    assert renewals.sweep_licence_expiry_reminders(today=day(0)) == 0
    assert renewals.sweep_licence_expiry_reminders(today=day(30)) == 1
    assert list(ExpiryReminder.objects.values_list("days_before", flat=True)) == [30]


def test_revoked_suspended_superseded_renewed_and_in_renewal_licences_are_not_reminded(flow):
    revoked, suspended, corrected, renewed, in_renewal, plain = [licence(flow, until=100) for _ in range(6)]
    certificate_services.revoke(revoked, flow.head, "以欺骗手段取得许可")
    certificate_services.change_standing(suspended, flow.head, Certificate.Standing.SUSPENDED, "责令整改期间暂扣")
    new_version = certificate_services.correct(corrected, flow.certifier, {"scope": "预包装食品销售"}, "范围有误")
    approve(flow, ApprovalCase.objects.get(application=filed_renewal(flow, renewed).application))
    filed_renewal(flow, in_renewal, accept=False)
    assert renewals.sweep_licence_expiry_reminders(today=day(10)) == 2
    assert set(ExpiryReminder.objects.values_list("certificate_id", flat=True)) == {new_version.pk, plain.pk}
    # a corrected version is not reminded again of a point its earlier version was reminded of
    newer = certificate_services.correct(new_version, flow.certifier, {"scope": "热食类食品制售"}, "再次更正")
    assert renewals.sweep_licence_expiry_reminders(today=day(11)) == 0
    assert not ExpiryReminder.objects.filter(certificate=newer).exists()


def test_a_draft_renewal_does_not_stop_the_reminders_but_a_submitted_one_does(flow):
    old = licence(flow, until=100)
    renewal = renewals.start_renewal(old, flow.applicant_user, today=day(0))
    assert renewals.sweep_licence_expiry_reminders(today=day(10)) == 1  # only a draft: still reminded
    app_testing.complete_draft(renewal.application, flow.applicant_user)
    app_services.submit(renewal.application, flow.applicant_user)
    assert renewals.sweep_licence_expiry_reminders(today=day(70)) == 0


# --- starting a renewal ------------------------------------------------------------------------------------------


def test_a_renewal_starts_as_a_draft_prefilled_from_the_licence(flow):
    old = licence(flow, until=100)
    renewal = renewals.start_renewal(old, flow.applicant_user, today=day(70))  # the last filing day itself
    application = renewal.application
    assert application.status == Status.DRAFT and application.applicant_id == old.application.applicant_id
    assert [ai.item_id for ai in application.items.all()] == [old.item_id]
    assert application.filed_by_id == flow.applicant_user.pk
    data = application.form_data
    assert data["project_name"] == app_testing.FORM_DATA["project_name"]  # from the licence's application
    assert data["site_address"] == app_testing.FORM_DATA["site_address"]
    assert old.licence_number in data["description"] and old.scope in data["description"]
    assert (renewal.certificate, renewal.lead_days, renewal.file_by, renewal.expires_on) == (
        old, 30, day(70), day(100))
    assert renewal.outcome == Renewal.Outcome.PENDING
    assert AuditEvent.objects.filter(action="renewal_start", object_id=str(application.pk)).exists()
    assert renewals.renewal_note(application) == f"延续申请：原证 {old.licence_number}，有效期至{cn(day(100))}（最迟申请日{cn(day(70))}）"


def test_a_renewal_after_the_last_filing_day_is_refused_with_that_date(flow):
    old = licence(flow, until=100)
    with pytest.raises(DomainError) as refused:
        renewals.start_renewal(old, flow.applicant_user, today=day(71))
    message = refused.value.messages[0]
    assert "第五十条" in message and f"最迟应于{cn(day(70))}" in message and "30日前" in message
    assert not Renewal.objects.exists()


def test_the_lead_time_is_the_items(flow):
    old = licence(flow, until=100, lead_days=60)
    with pytest.raises(DomainError, match=f"最迟应于{cn(day(40))}"):
        renewals.start_renewal(old, flow.applicant_user, today=day(41))
    assert renewals.start_renewal(old, flow.applicant_user, today=day(40)).file_by == day(40)


def test_only_the_holders_side_renews_a_licence_in_force_and_only_once(flow):
    old = licence(flow, until=100)
    stranger = make_person(Role.APPLICANT, "路人甲")
    app_testing.make_person(stranger, "路人甲")
    with pytest.raises(PermissionDenied, match="持证主体"):
        renewals.start_renewal(old, stranger, today=day(0))
    with pytest.raises(PermissionDenied):
        renewals.start_renewal(old, flow.clerk, today=day(0))
    long_term = Certificate.objects.get(decision=approve(flow, ApprovalCase.objects.get(
        application=flow.accepted(item=flow.item(validity_years=None)))))
    assert long_term.valid_until is None
    with pytest.raises(DomainError, match="长期有效"):
        renewals.start_renewal(long_term, flow.applicant_user, today=T)
    renewals.start_renewal(old, flow.applicant_user, today=day(0))
    with pytest.raises(Conflict, match="已有延续申请"):
        renewals.start_renewal(old, flow.applicant_user, today=day(0))
    revoked = licence(flow, until=100)
    certificate_services.revoke(revoked, flow.head, "以欺骗手段取得许可")
    with pytest.raises(DomainError, match="已撤销"):
        renewals.start_renewal(revoked, flow.applicant_user, today=day(0))
    with pytest.raises(DomainError, match="有效期届满"):
        renewals.start_renewal(licence(flow, until=100), flow.applicant_user, today=day(101))


def test_a_withdrawn_renewal_lets_the_holder_start_again(flow):
    old = licence(flow, until=100)
    renewal = filed_renewal(flow, old, accept=False)
    app_services.withdraw(renewal.application, flow.applicant_user, "材料准备有误，重新申请")
    again = renewals.start_renewal(old, flow.applicant_user, today=day(1))
    assert again.pk != renewal.pk and again.application.status == Status.DRAFT


def test_submitting_a_renewal_after_the_last_filing_day_is_refused(flow):
    old = licence(flow, until=20)  # last filing day: 10 days ago
    renewal = renewals.start_renewal(old, flow.applicant_user, today=day(-15))  # started in time
    application = app_testing.complete_draft(renewal.application, flow.applicant_user)
    with pytest.raises(DomainError, match=f"最迟应于{cn(day(-10))}"):
        app_services.submit(application, flow.applicant_user)
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT
    # a licence revoked after the draft was started cannot be renewed either
    other = licence(flow, until=100)
    draft = app_testing.complete_draft(renewals.start_renewal(other, flow.applicant_user).application,
                                       flow.applicant_user)
    certificate_services.revoke(other, flow.head, "以欺骗手段取得许可")
    with pytest.raises(DomainError, match="已撤销"):
        app_services.submit(draft, flow.applicant_user)


# --- a normal decision -----------------------------------------------------------------------------------------


def test_a_decision_before_expiry_renews_the_licence_from_the_day_after_it_ends(flow):
    old = licence(flow, until=100)
    renewal = filed_renewal(flow, old)
    approve(flow, ApprovalCase.objects.get(application=renewal.application))
    new = Certificate.objects.get(application=renewal.application)
    assert new.basis == Certificate.Basis.DECISION and new.renews == old
    assert (new.valid_from, new.valid_until) == (day(101), certificate_services.validity_until(day(101), 3))
    assert new.scope == old.scope and new.holder_id_number == old.holder_id_number
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.GRANTED and renewal.new_certificate == new
    granted = AuditEvent.objects.get(action="renewal_granted", object_id=str(renewal.application_id))
    assert granted.actor == flow.certifier and new.licence_number in granted.opinion
    old.refresh_from_db()
    assert old.standing == Certificate.Standing.VALID  # it ends on its own last day
    assert renewals.sweep_deemed_renewals(today=day(101)) == 0
    assert Certificate.objects.filter(renews=old).count() == 1
    with pytest.raises(Conflict, match="已经延续"):
        renewals.start_renewal(old, flow.applicant_user, today=day(1))


# --- deemed granted (the done-criterion of issue 11, item 7) -------------------------------------------------------


def test_a_renewal_left_undecided_past_expiry_is_deemed_granted_by_the_sweep(flow):
    old = licence(flow, until=40)
    renewal = filed_renewal(flow, old)
    case = case_services.claim_case(ApprovalCase.objects.get(application=renewal.application), flow.reviewer)
    assert case.stage == Stage.REVIEW and case.assignee_id == flow.reviewer.pk
    assert renewals.sweep_deemed_renewals(today=day(40)) == 0  # the old licence's last day: still time to decide
    assert not Certificate.objects.filter(renews=old).exists()

    assert renewals.sweep_deemed_renewals(today=day(41)) == 1
    new = Certificate.objects.get(renews=old)
    assert new.basis == Certificate.Basis.DEEMED_RENEWAL and new.application_id == renewal.application_id
    assert (new.valid_from, new.valid_until) == (day(41), certificate_services.validity_until(day(41), 3))
    assert (new.name, new.holder_name, new.holder_id_number, new.scope) == (
        old.name, old.holder_name, old.holder_id_number, old.scope)
    assert new.decision is None and new.issued_by is None
    assert "第五十条" in new.note and "视为准予延续" in new.note and old.licence_number in new.note
    case = ApprovalCase.objects.get(pk=case.pk)
    assert case.stage == Stage.APPROVED and case.decided_by is None and case.decided_at is not None
    assert case.assignee is None and (case.yellow_from, case.red_from, case.statutory_alarm_from) == (None, None, None)
    event = AuditEvent.objects.get(action="case_deemed_granted", object_id=str(case.pk))
    assert event.actor is None and event.actor_role == "system" and event.to_state == Stage.APPROVED
    assert event.opinion == rules.DEEMED_REASON
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.DEEMED_GRANTED and renewal.new_certificate == new
    application = Application.objects.get(pk=renewal.application_id)
    assert application.status == Status.DECIDED
    assert AuditEvent.objects.filter(action="renewal_deemed_granted", object_id=str(application.pk)).exists()
    assert Notification.objects.filter(recipient=flow.applicant_user, title__startswith="证照延续视为准予").exists()
    old.refresh_from_db()
    assert old.standing == Certificate.Standing.VALID

    # run twice: still one renewed licence
    assert renewals.sweep_deemed_renewals(today=day(41)) == 0
    assert renewals.sweep_deemed_renewals(today=day(60)) == 0
    assert Certificate.objects.filter(renews=old).count() == 1
    # and the officer who comes too late is told
    with pytest.raises(DomainError, match="已准予许可"):
        case_services.decide(case, flow.certifier, True)


def test_a_renewal_not_accepted_before_expiry_is_not_deemed_granted(flow):
    in_intake = filed_renewal(flow, licence(flow, until=40), accept=False)
    supplement = filed_renewal(flow, licence(flow, until=40), accept=False)
    intake_services.request_supplement(Application.objects.get(pk=supplement.application_id), flow.clerk,
                                       [("营业执照副本", "请补交")])
    draft = renewals.start_renewal(licence(flow, until=40), flow.applicant_user)
    assert renewals.sweep_deemed_renewals(today=day(41)) == 0
    for renewal in (in_intake, supplement, draft):
        renewal.refresh_from_db()
        assert renewal.outcome == Renewal.Outcome.PENDING
    assert not Certificate.objects.filter(basis=Certificate.Basis.DEEMED_RENEWAL).exists()


def test_a_denied_or_terminated_renewal_is_not_deemed_granted(flow):
    denied = filed_renewal(flow, licence(flow, until=40))
    case = case_services.complete_review(case_services.claim_case(
        ApprovalCase.objects.get(application=denied.application), flow.reviewer), flow.reviewer, "不符合")
    case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, False, reasons="条件已变化")
    terminated = filed_renewal(flow, licence(flow, until=40))
    case_services.terminate(ApprovalCase.objects.get(application=terminated.application), flow.head, "主体已注销")
    assert renewals.sweep_deemed_renewals(today=day(41)) == 0
    assert not Certificate.objects.filter(basis=Certificate.Basis.DEEMED_RENEWAL).exists()


# --- pages -------------------------------------------------------------------------------------------------------


def test_the_renew_page_shows_the_deadline_and_starts_the_prefilled_draft(client, flow):
    old = licence(flow, until=100)
    url = reverse("approvals:renew", args=[old.public_id])
    assert url == f"/licences/{old.public_id}/renew/"
    client.force_login(flow.applicant_user)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and old.licence_number in body and cn(day(70)) in body
    assert 'data-testid="start-renewal"' in body
    response = client.post(url)
    renewal = Renewal.objects.get(certificate=old)
    assert response.status_code == 302 and response.url == reverse("applications:step_form",
                                                                     args=[renewal.application_id])
    form_page = client.get(response.url).content.decode()
    assert f"延续申请：原证 {old.licence_number}" in form_page
    again = client.post(url)
    assert again.status_code == 409 and "继续填写草稿" in again.content.decode()
    client.force_login(make_person(Role.APPLICANT, "路人甲"))
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


def test_the_clerk_and_the_officer_see_that_the_application_renews_a_licence(client, flow):
    old = licence(flow, until=100)
    renewal = filed_renewal(flow, old, accept=False)
    client.force_login(flow.clerk)
    intake_page = client.get(reverse("approvals:intake", args=[renewal.application_id])).content.decode()
    assert f"延续申请：原证 {old.licence_number}，有效期至{cn(day(100))}" in intake_page
    intake_services.accept(Application.objects.get(pk=renewal.application_id), flow.clerk)
    case = ApprovalCase.objects.get(application=renewal.application)
    client.force_login(flow.reviewer)
    case_page = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
    assert f"延续申请：原证 {old.licence_number}" in case_page
    client.force_login(flow.applicant_user)
    detail = client.get(reverse("applications:detail", args=[renewal.application_id])).content.decode()
    assert f"延续申请：原证 {old.licence_number}" in detail
