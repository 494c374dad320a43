"""The issuing window (统一窗口出件, Art. 44): an application decided on every item waits in the issuing queue with
its documents until the clerk hands its results over, at the window (who, which ID, checked, the signed receipt)
or by post (carrier, tracking number), which issues and closes it in one action; the 10-working-day limit runs
on the calendar (first day not counted) and colours the queue like the cases' deadlines."""
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from applications import services as app_services
from applications import testing as app_testing
from applications.models import Application, Representation, Status
from approvals import timers
from approvals.cases import services as case_services
from approvals.documents import render_notice_pdf
from approvals.intake import selectors
from approvals.intake import services as intake_services
from approvals.intake.models import Handover
from approvals.models import Colour, Notice
from approvals.testing import Flow, make_person
from portal import clock
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent, CalendarDay, Notification
from portal.roles import Role
from portal.services import CalendarEntry, change_calendar

pytestmark = pytest.mark.django_db
BEIJING = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def flow(db):
    return Flow.build()


def decide_all(flow, cases, outcomes) -> Application:
    """Each case reviewed and decided (True: approved, False: denied) by the flow's people."""
    for case, approve in zip(cases, outcomes):
        case = case_services.claim_case(case, flow.reviewer)
        case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
        case = case_services.claim_case(case, flow.certifier)
        case_services.decide(case, flow.certifier, approve, reasons="" if approve else "经营场所不符合要求")
    return Application.objects.select_related("applicant").get(pk=cases[0].application_id)


def decided_bundle(flow, count: int = 3) -> Application:
    return decide_all(flow, flow.bundle_cases(count), [True] * count)


def at_window(application, **changes) -> dict:
    """A window handover to the applicant in person, everything checked."""
    applicant = application.applicant
    return {"method": "window", "recipient_name": applicant.name, "relation": "self", "id_type": "111",
            "id_number": applicant.id_number, "id_checked": True, "receipt_signed": True, **changes}


def by_post(**changes) -> dict:
    return {"method": "post", "recipient_name": "张丽华", "carrier": "sf", "tracking_number": "SF1234567890",
            **changes}


def actions(application) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
                .order_by("id").values_list("action", flat=True))


# --- the service ------------------------------------------------------------------------------------------------


def test_a_bundle_is_handed_over_at_the_window_in_one_action_which_issues_and_closes_it(flow):
    application = decided_bundle(flow, 3)
    assert application.status == Status.DECIDED
    documents = selectors.documents_for(application)
    assert [d.kind for d in documents] == ["notice"] * 3 + ["certificate"] * 3
    assert {d.title for d in documents[:3]} == {"准予行政许可决定书"}
    assert len({d.number for d in documents[3:]}) == 3  # the bundle's three certificates, issued together

    handover = intake_services.record_handover(application, flow.clerk, **at_window(application), note="三证同发")

    application.refresh_from_db()
    assert application.status == Status.CLOSED and application.finished_at
    assert handover.application_id == application.pk and handover.recorded_by == flow.clerk
    assert (handover.method, handover.relation, handover.id_checked, handover.receipt_signed) == (
        "window", "self", True, True)
    assert actions(application)[-3:] == ["handover", "issue", "close"]
    issue, close = (AuditEvent.objects.get(object_id=str(application.pk), action=a) for a in ("issue", "close"))
    assert (issue.from_state, issue.to_state, close.from_state, close.to_state) == (
        "decided", "issued", "issued", "closed")
    logged = AuditEvent.objects.get(object_id=str(application.pk), action="handover")
    number = application.applicant.id_number
    assert number not in logged.opinion and number not in str(logged.data)  # masked in the log
    assert logged.data["method"] == "window" and logged.data["id"] == number[:6] + "********" + number[-4:]
    assert logged.data["recipient"] == "张*华" and "张*华（本人" in logged.opinion
    note = Notification.objects.filter(recipient=flow.applicant_user, title__startswith="办件已办结").get()
    assert "在窗口交付" in note.body and number not in note.body
    assert not selectors.at_issuing_window().filter(pk=application.pk).exists()


def test_by_post_the_tracking_number_is_normalised_and_the_applicant_told(client, flow):
    application = decide_all(flow, [flow.case()], [True])
    clerk = make_person(Role.WINDOW_CLERK, "李窗口")  # not the accepting clerk
    handover = intake_services.record_handover(application, clerk, **by_post(
        tracking_number=" sf 1234５67890 ", relation="self", id_type="111", id_number="ignored", id_checked=True))
    assert (handover.carrier, handover.tracking_number) == ("sf", "SF1234567890")
    # Whose ID was shown at a counter does not apply to the post.
    assert (handover.relation, handover.recipient_id_number, handover.id_checked) == ("", "", False)
    application.refresh_from_db()
    assert application.status == Status.CLOSED
    note = Notification.objects.get(recipient=flow.applicant_user, title__startswith="办件已办结")
    assert "顺丰" in note.body and "SF1234567890" in note.body
    assert "邮寄送达：顺丰，运单号 SF1234567890" in AuditEvent.objects.get(action="handover").opinion
    client.force_login(clerk)  # the clerk who handed it over still finds it, closed (approvals.intake.policy)
    body = client.get(reverse("approvals:handover", args=[application.pk])).content.decode()
    assert 'data-testid="handover-record"' in body and "SF1234567890" in body
    intake_page = client.get(reverse("approvals:intake", args=[application.pk])).content.decode()
    assert "查看出件记录" in intake_page


@pytest.mark.parametrize("changes, field, words", [
    ({"id_checked": False}, "id_checked", "核验"),
    ({"receipt_signed": False}, "receipt_signed", "签字"),
    ({"id_number": ""}, "id_number", "证件号码"),
    ({"relation": ""}, "relation", "关系"),
    ({"relation": "legal_rep"}, "relation", "没有法定代表人"),
    ({"id_type": "414", "id_number": "E12"}, "id_number", "5至30位"),
    ({"id_type": "414", "id_number": "E1234567", "relation": "agent", "id_checked": False}, "id_checked", "核验"),
])
def test_a_window_handover_needs_the_checked_id_and_the_signed_receipt(flow, changes, field, words):
    application = decide_all(flow, [flow.case()], [True])
    with pytest.raises(DomainError) as refused:
        intake_services.record_handover(application, flow.clerk, **at_window(application, **changes))
    assert field in refused.value.error_dict and words in " ".join(refused.value.message_dict[field])
    application.refresh_from_db()
    assert application.status == Status.DECIDED and not Handover.objects.exists()
    assert "handover" not in actions(application)


def test_a_bad_id_number_and_someone_else_as_himself_are_refused(flow):
    application = decide_all(flow, [flow.case()], [True])
    number = application.applicant.id_number
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(DomainError) as refused:
        intake_services.record_handover(application, flow.clerk, **at_window(application, id_number=wrong_check))
    assert "校验码" in refused.value.message_dict["id_number"][0]
    with pytest.raises(DomainError) as refused:  # a valid ID, but not the applicant's: not 本人
        intake_services.record_handover(application, flow.clerk,
                                        **at_window(application, id_number=app_testing.citizen_id()))
    assert "委托代理人" in refused.value.message_dict["id_number"][0]
    # The same person as an agent, with the full-width digits an input method types: accepted.
    other = app_testing.citizen_id()
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in other)
    handover = intake_services.record_handover(application, flow.clerk, **at_window(
        application, recipient_name="李代领", relation="agent", id_number=wide, note="委托书已留存"))
    assert handover.recipient_id_number == other and handover.relation == "agent"


@pytest.mark.parametrize("tracking", ["", "1234567", "SF-12345678", "A" * 31])
def test_a_post_handover_needs_a_carrier_and_a_well_formed_tracking_number(flow, tracking):
    application = decide_all(flow, [flow.case()], [True])
    with pytest.raises(DomainError) as refused:
        intake_services.record_handover(application, flow.clerk, **by_post(tracking_number=tracking))
    assert "运单号" in refused.value.message_dict["tracking_number"][0]
    with pytest.raises(DomainError) as refused:
        intake_services.record_handover(application, flow.clerk, **by_post(carrier=""))
    assert "寄递企业" in refused.value.message_dict["carrier"][0]
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED


def test_a_second_handover_is_a_conflict_that_says_when_and_how(flow):
    application = decide_all(flow, [flow.case()], [True])
    intake_services.record_handover(application, flow.clerk, **by_post())
    other_clerk = make_person(Role.WINDOW_CLERK, "李窗口")
    with pytest.raises(Conflict) as refused:
        intake_services.record_handover(application, other_clerk, **at_window(application))
    assert "已于" in refused.value.messages[0] and "邮寄送达" in refused.value.messages[0]
    assert "不能重复出件" in refused.value.messages[0] and "王晓燕" in refused.value.messages[0]
    assert Handover.objects.count() == 1


def test_only_a_clerk_who_does_not_represent_the_applicant_hands_over_a_decided_application(flow):
    application = decide_all(flow, [flow.case()], [True])
    for person in (flow.certifier, flow.head, flow.applicant_user, make_person(Role.ADMINISTRATOR, "管理员")):
        with pytest.raises(PermissionDenied):
            intake_services.record_handover(application, person, **at_window(application))
    # 回避: a clerk whose account represents the applicant.
    related = make_person(Role.WINDOW_CLERK, "张亲属")
    Representation.objects.create(user=related, applicant=application.applicant, relation="staff")
    with pytest.raises(PermissionDenied) as refused:
        intake_services.record_handover(application, related, **at_window(application))
    assert "回避" in str(refused.value)
    # Not yet decided on every item: a conflict that says so.
    accepted = flow.accepted(item=flow.item())
    with pytest.raises(Conflict) as refused:
        intake_services.record_handover(accepted, flow.clerk, **at_window(accepted))
    assert "全部审批事项作出决定后方可出件" in refused.value.messages[0]
    assert not Handover.objects.exists()


def test_an_application_denied_on_every_item_is_handed_over_with_its_denial_notices(flow):
    cases = flow.bundle_cases(2)
    application = decide_all(flow, cases[:1], [False])
    case_services.terminate(cases[1], flow.head, "申请人经营场所灭失")
    application.refresh_from_db()
    assert application.status == Status.DECIDED and application.issue_due_on
    documents = selectors.documents_for(application)
    assert [d.title for d in documents] == ["不予行政许可决定书"]
    intake_services.record_handover(application, flow.clerk, **at_window(application))
    assert Application.objects.get(pk=application.pk).status == Status.CLOSED


def test_the_database_keeps_what_each_method_needs(flow):
    application = decide_all(flow, [flow.case()], [True])
    base = {"application": application, "recorded_by": flow.clerk, "recorded_at": timezone.now(),
            "recipient_name": "张丽华"}
    window = {"method": "window", "relation": "self", "recipient_id_type": "111",
              "recipient_id_number": application.applicant.id_number, "id_checked": True, "receipt_signed": True}
    for broken in ({**window, "id_checked": False}, {**window, "receipt_signed": False},
                   {**window, "recipient_id_number": "", "recipient_id_type": ""},
                   {**window, "recipient_id_number": "12345"},
                   {"method": "post", "carrier": "sf", "tracking_number": "sf123"},
                   {"method": "post", "carrier": "", "tracking_number": "SF1234567890"},
                   {"method": "pigeon", "carrier": "sf", "tracking_number": "SF1234567890"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Handover.objects.create(**base, **broken)
    Handover.objects.create(**base, **window)
    with pytest.raises(IntegrityError), transaction.atomic():  # one per application
        Handover.objects.create(**base, method="post", carrier="ems", tracking_number="EMS12345678")


# --- the Art. 44 clock --------------------------------------------------------------------------------------------


def test_the_issue_due_date_is_ten_working_days_after_the_decision_first_day_not_counted():
    friday = datetime(2030, 1, 4, 16, 0, tzinfo=BEIJING)
    assert not CalendarDay.objects.filter(date__year=2030).exists()
    # Not counted: Friday itself and the weekends; Monday 7 to Friday 18 January are the ten working days.
    assert app_services.issue_due(friday) == date(2030, 1, 18)
    change_calendar([CalendarEntry(date(2030, 1, 9), "holiday", "测试假日")])
    assert app_services.issue_due(friday) == date(2030, 1, 21)  # the holiday pushes it over the weekend


def test_the_decision_stamps_the_due_date_and_a_calendar_change_moves_it_while_waiting(flow):
    application = decide_all(flow, [flow.case()], [True])
    assert application.issue_due_on == app_services.issue_due(application.decided_at)
    decided = AuditEvent.objects.get(object_id=str(application.pk), action="all_cases_decided")
    assert decided.data["issue_due"] == application.issue_due_on.isoformat()
    closed = decide_all(flow, [flow.case()], [True])
    intake_services.record_handover(closed, flow.clerk, **at_window(closed))
    friday = datetime(2030, 1, 4, 16, 0, tzinfo=BEIJING)
    Application.objects.filter(pk__in=[application.pk, closed.pk]).update(decided_at=friday,
                                                                          issue_due_on=date(2030, 1, 18))

    change_calendar([CalendarEntry(date(2030, 1, 9), "holiday", "测试假日")], by=make_person(Role.ADMINISTRATOR, "管"))

    application.refresh_from_db()
    assert application.issue_due_on == date(2030, 1, 21)
    event = AuditEvent.objects.get(object_id=str(application.pk), action="issue_due_recomputed")
    assert (event.data["old_issue_due"], event.data["new_issue_due"]) == ("2030-01-18", "2030-01-21")
    assert Application.objects.get(pk=closed.pk).issue_due_on == date(2030, 1, 18)  # handed over: left alone
    # A change after the due date moves nothing.
    change_calendar([CalendarEntry(date(2030, 2, 4), "holiday", "测试假日")])
    assert Application.objects.get(pk=application.pk).issue_due_on == date(2030, 1, 21)


@pytest.mark.parametrize("today, colour", [
    (date(2030, 1, 14), Colour.GREEN),   # 4 working days left
    (date(2030, 1, 15), Colour.YELLOW),  # 3 left: yellow (ISSUE_YELLOW_WORKING_DAYS)
    (date(2030, 1, 18), Colour.YELLOW),  # the due day
    (date(2030, 1, 19), Colour.RED),     # the day after
    (date(2030, 2, 1), Colour.RED),
])
def test_the_colour_is_yellow_with_three_working_days_left_and_red_once_past(today, colour):
    assert timers.issue_colour(date(2030, 1, 18), today) == colour


def test_the_yellow_threshold_is_a_setting(settings):
    settings.ISSUE_YELLOW_WORKING_DAYS = 5
    assert timers.issue_colour(date(2030, 1, 18), date(2030, 1, 11)) == Colour.YELLOW


# --- the pages ----------------------------------------------------------------------------------------------------


def _waiting(flow, count: int) -> list[Application]:
    """Applications at the issuing window, made quickly: accepted, then moved on with a decision notice each."""
    made = []
    for _ in range(count):
        application = flow.accepted(item=flow.item())
        Application.objects.filter(pk=application.pk).update(
            status=Status.DECIDED, decided_at=timezone.now(), issue_due_on=clock.add_working_days(clock.today(), 10))
        Notice.objects.create(application=application, kind=Notice.Kind.APPROVAL, title="准予行政许可决定书",
                              number=f"测许〔2026〕{application.pk:05d}号", body_html="<p>准予</p>",
                              issued_at=timezone.now(), issued_by=flow.certifier)
        made.append(application)
    return made


def test_the_queue_lists_oldest_due_first_with_colour_and_documents_in_constant_queries(
        client, flow, django_assert_max_num_queries):
    first, second, third = _waiting(flow, 3)
    Application.objects.filter(pk=second.pk).update(issue_due_on=clock.today() - timedelta(days=1))
    client.force_login(flow.clerk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("approvals:issuing_queue"))
    body = response.content.decode()
    assert response.status_code == 200
    order = [body.index(f'data-case="{a.case_number}"') for a in (second, first, third)]
    assert order == sorted(order)  # the overdue one first, then by due date
    assert f'data-case="{second.case_number}" data-colour="red"' in body
    assert f'data-case="{first.case_number}" data-colour="green"' in body
    assert body.count('data-testid="document"') == 3 and "准予行政许可决定书" in body
    assert reverse("approvals:handover", args=[first.pk]) in body

    _waiting(flow, 20)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("approvals:issuing_queue"))
    body = response.content.decode()
    assert body.count('data-testid="issuing-row"') == 20 and "第 1 / 2 页" in body


def test_the_queue_finds_by_case_number_name_or_id_number_and_says_when_empty(client, flow):
    client.force_login(flow.clerk)
    body = client.get(reverse("approvals:issuing_queue")).content.decode()
    assert "暂无待出件的办件" in body
    waiting, = _waiting(flow, 1)
    other = app_testing.make_person(make_person(Role.APPLICANT, "李四"), "李四")
    found = lambda q: client.get(reverse("approvals:issuing_queue"), {"q": q}).content.decode()  # noqa: E731
    for query in (waiting.case_number[-6:], "张丽", waiting.applicant.id_number.lower()):
        assert f'data-case="{waiting.case_number}"' in found(query), query
    assert "没有符合查找条件的待出件办件" in found(other.id_number)


def test_the_home_panel_links_to_the_queue_with_the_colour(client, flow):
    waiting, = _waiting(flow, 1)
    Application.objects.filter(pk=waiting.pk).update(issue_due_on=clock.add_working_days(clock.today(), 1))
    client.force_login(flow.clerk)
    body = client.get("/").content.decode()
    assert reverse("approvals:issuing_queue") in body
    assert 'data-testid="panel-issuing-row" data-colour="yellow"' in body
    assert reverse("approvals:handover", args=[waiting.pk]) in body


def test_the_handover_page_shows_the_documents_and_hands_over_through_the_form(client, flow):
    application = decided_bundle(flow, 2)
    notice = Notice.objects.filter(application=application, kind=Notice.Kind.APPROVAL).first()
    render_notice_pdf(notice.pk)
    url = reverse("approvals:handover", args=[application.pk])
    client.force_login(flow.clerk)
    body = client.get(url).content.decode()
    assert reverse("approvals:notice_pdf", args=[notice.public_id]) in body  # printing = opening the PDF
    assert body.count('data-testid="document"') == 4 and 'data-testid="handover-form"' in body  # 2 notices, 2 certificates

    response = client.post(url, {"method": "post", "recipient_name": "张丽华", "carrier": "ems",
                                 "tracking_number": "12"})
    assert response.status_code == 400 and "运单号无效" in response.content.decode()
    response = client.post(url, {"method": "window", **{k: v for k, v in at_window(application).items()
                                                         if k not in ("method", "id_checked")}})
    assert response.status_code == 400 and "核验" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED

    data = {**at_window(application), "id_checked": "on", "receipt_signed": "on"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    body = client.get(url).content.decode()
    assert 'data-testid="handover-record"' in body and "已办结" in body and "窗口领取" in body
    assert client.post(url, data).status_code == 409  # the second time: the service's conflict, on the page

    admin = make_person(Role.ADMINISTRATOR, "管理员")
    client.force_login(admin)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_lists_the_queue_and_hands_over(client, flow):
    application = decided_bundle(flow, 2)
    client.force_login(flow.clerk)
    listed = client.get("/api/approvals/issuing/").json()
    row = next(r for r in listed["results"] if r["id"] == application.pk)
    assert row["colour"] == "green" and row["issue_due_on"] == application.issue_due_on.isoformat()
    assert [d["kind"] for d in row["documents"]] == ["notice", "notice", "certificate", "certificate"]
    assert row["documents"][0]["pdf_url"] is None

    url = f"/api/approvals/intake/{application.pk}/handover/"
    refused = client.post(url, by_post(tracking_number="x"), content_type="application/json")
    assert refused.status_code == 400 and "运单号无效" in " ".join(refused.json()["detail"])
    done = client.post(url, by_post(), content_type="application/json")
    assert done.status_code == 201, done.content
    assert done.json()["status"] == "closed" and done.json()["handover"]["tracking_number"] == "SF1234567890"
    again = client.post(url, by_post(), content_type="application/json")
    assert again.status_code == 409 and "不能重复出件" in again.json()["detail"]
    detail = client.get(f"/api/approvals/intake/{application.pk}/").json()
    assert detail["handover"]["method"] == "post" and detail["status"] == "closed"
    assert client.get("/api/approvals/issuing/").json()["count"] == 0
