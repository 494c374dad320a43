"""好差评 and 差评整改 (issue 15 item 1): services, policy, the figures, the pages."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.ratings import policy, selectors, services
from applications.ratings.models import MaliciousAppeal, Rating, RectificationTicket, WindowVisit
from approvals.testing import Flow, make_person
from catalog.testing import make_department, make_section
from portal import clock
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent, CalendarDay, Notification
from portal.roles import Role
from portal.services import CalendarEntry, change_calendar
from tests.ratings_world import at, closed_application, ticket, window_rating

pytestmark = pytest.mark.django_db
MOBILE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def flow(db):
    return Flow.build()


@pytest.fixture
def closed(flow):
    return closed_application(flow)


class FakeRequest:
    def __init__(self, agent=""):
        self.META = {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": "10.0.0.8"}


# --- completion and the online rating ------------------------------------------------------------------------------


def test_closing_an_application_invites_its_applicant_to_rate(flow, closed):
    note = Notification.objects.get(recipient=flow.applicant_user, url=reverse("applications:rate", args=[closed.pk]))
    assert note.title.startswith("请您评价")


def test_a_good_rating_is_recorded_once_with_its_channel_and_section_and_opens_no_ticket(flow, closed):
    rating = services.rate_online(closed, flow.applicant_user, 4, "办事快", request=FakeRequest(MOBILE_UA))
    assert (rating.channel, rating.level, rating.section_id) == ("3", 4, flow.section.pk)
    assert rating.applicant_id == closed.applicant_id and rating.department_id is not None
    assert not RectificationTicket.objects.exists()
    assert AuditEvent.objects.filter(action="rate", object_id=str(rating.pk)).exists()
    with pytest.raises(Conflict):
        services.rate_online(closed, flow.applicant_user, 5, request=FakeRequest("Mozilla/5.0 (X11; Linux)"))
    assert Rating.objects.count() == 1


def test_pc_channel_from_a_desktop_browser(flow, closed):
    rating = services.rate_online(closed, flow.applicant_user, 5, request=FakeRequest("Mozilla/5.0 (Windows NT 10.0)"))
    assert rating.channel == "2"


def test_only_the_applicant_side_of_a_closed_application_may_rate_within_the_window(flow, settings):
    open_application = flow.accepted(item=flow.item())
    with pytest.raises(Conflict):
        services.rate_online(open_application, flow.applicant_user, 5)
    closed = closed_application(flow)
    with pytest.raises(Application.DoesNotExist):
        services.rate_online(closed, flow.head, 1)
    Application.objects.filter(pk=closed.pk).update(finished_at=timezone.now() - timedelta(days=31))
    settings.RATING_OPEN_DAYS = 30
    with pytest.raises(DomainError):
        services.rate_online(Application.objects.get(pk=closed.pk), flow.applicant_user, 5)
    with pytest.raises(DomainError):
        services.rate_online(closed, flow.applicant_user, 9)


def test_a_bad_rating_opens_a_ticket_for_the_section_due_in_working_days_across_a_holiday(flow, closed, settings):
    settings.RATING_RECTIFICATION_DAYS = 5
    today = clock.today()
    plain = services.ticket_due_on(timezone.now())
    next_working = clock.add_working_days(today, 1)
    change_calendar([CalendarEntry(next_working, "holiday", "测试假日")])
    assert CalendarDay.objects.filter(date=next_working).exists()
    rating = services.rate_online(closed, flow.applicant_user, 1, "窗口态度差")
    ticket_ = rating.ticket
    assert ticket_.section_id == flow.section.pk and ticket_.status == "awaiting_call"
    assert ticket_.due_on == clock.add_working_days(plain, 1) > plain  # the holiday pushes it one working day
    assert clock.working_days_between(today, ticket_.due_on) == 5
    assert Notification.objects.filter(recipient=flow.head, url=reverse("applications:rating_ticket",
                                                                        args=[ticket_.pk])).exists()


# --- the window visit -----------------------------------------------------------------------------------------------


def test_a_window_visit_is_rated_once_and_only_by_its_clerk(flow, closed):
    visit = services.open_visit(flow.clerk, application=closed, purpose="领取办理结果")
    other_clerk = make_person(Role.WINDOW_CLERK, "另一窗口")
    with pytest.raises(WindowVisit.DoesNotExist):
        services.rate_visit(visit, other_clerk, 5)
    rating = services.rate_visit(visit, flow.clerk, 2, "排队太久")
    assert (rating.channel, rating.section_id, rating.applicant_id) == ("1", flow.section.pk, closed.applicant_id)
    assert rating.ticket.status == "awaiting_call"
    with pytest.raises(Conflict):
        services.rate_visit(visit, flow.clerk, 5)
    # The visit's rating and the online one are separate: the applicant may still rate the matter online.
    services.rate_online(closed, flow.applicant_user, 5)
    with pytest.raises(PermissionDenied):
        services.open_visit(flow.head)


def test_a_plain_visit_without_application_goes_to_the_clerks_section_or_the_leaders(flow):
    visit = services.open_visit(flow.clerk, purpose="咨询")
    rating = services.rate_visit(visit, flow.clerk, 1)
    assert rating.section_id is None and rating.ticket.section_id is None
    assert policy.visible_tickets(flow.leader).filter(pk=rating.ticket.pk).exists()
    assert not policy.visible_tickets(flow.head).exists()
    assert policy.handles(rating.ticket, flow.leader)


# --- the ticket's steps and who sees them ---------------------------------------------------------------------------


def test_the_head_follows_up_rectifies_and_closes_on_time(flow, closed):
    rating = services.rate_online(closed, flow.applicant_user, 2, "材料要求反复")
    t = rating.ticket
    with pytest.raises(Conflict):
        services.close_ticket(t, flow.head, "satisfied")
    with pytest.raises(PermissionDenied):
        services.record_call(t, flow.reviewer, call_on=clock.today(), contact="张丽华", notes="x")
    with pytest.raises(DomainError):
        services.record_call(t, flow.head, call_on=clock.today() + timedelta(days=1), contact="张丽华", notes="x")
    t = services.record_call(t, flow.head, call_on=clock.today(), contact="张丽华（本人）", notes="补正要求前后不一致")
    t = services.record_rectification(t, flow.head, "统一一次性告知模板，对窗口人员进行培训")
    t = services.close_ticket(t, flow.head, "satisfied", "申请人表示认可")
    assert t.status == "closed" and t.closed_by == flow.head
    assert [e.action for e in AuditEvent.objects.filter(object_type="applications.rectificationticket",
                                                        object_id=str(t.pk)).order_by("id")] == [
        "rating_ticket_open", "rating_call", "rating_rectify", "rating_close"]
    figures = selectors.dashboard_figures(clock.today(), clock.today())
    assert figures["tickets_closed"] == 1 and figures["tickets_closed_on_time"] == 1
    assert figures["rectification_rate"] == 100.0


def test_tickets_and_the_raters_identity_are_seen_only_by_those_who_handle_them(flow, closed, client):
    t = services.rate_online(closed, flow.applicant_user, 1, "很差").ticket
    other_head = make_person(Role.SECTION_HEAD, "外科长", section=make_section())
    assert policy.visible_tickets(flow.head).filter(pk=t.pk).exists()
    assert policy.visible_tickets(flow.leader).filter(pk=t.pk).exists()
    for person in (other_head, flow.reviewer, flow.clerk, flow.applicant_user):
        assert not policy.visible_tickets(person).exists()
        client.force_login(person)
        assert client.get(reverse("applications:rating_ticket", args=[t.pk])).status_code in (403, 404)
    assert not policy.handles(t, flow.leader)  # a leader oversees the section's ticket; the head acts


# --- appeals ----------------------------------------------------------------------------------------------------


def test_an_appeal_needs_a_bureau_leader_and_a_confirmed_malicious_rating_leaves_the_figures(flow, closed):
    good = services.rate_visit(services.open_visit(flow.clerk), flow.clerk, 5)
    bad = services.rate_online(closed, flow.applicant_user, 1, "无理谩骂")
    appeal = services.request_appeal(bad.ticket, flow.head, "评价内容与办件无关，系辱骂")
    with pytest.raises(Conflict):
        services.request_appeal(bad.ticket, flow.head, "再次申诉")
    before = selectors.dashboard_figures(clock.today(), clock.today())
    assert before["satisfaction_rate"] == 50.0 and before["bad_ratings"] == 1
    with pytest.raises(PermissionDenied):
        services.decide_appeal(appeal, flow.head, True)
    second_leader = make_person(Role.BUREAU_LEADER, "副局长")
    with pytest.raises(DomainError):
        services.decide_appeal(appeal, second_leader, False)  # rejecting needs a note
    services.decide_appeal(appeal, flow.leader, True, "属实")
    bad.refresh_from_db()
    assert bad.malicious and bad.ticket.status == "void"
    after = selectors.dashboard_figures(clock.today(), clock.today())
    assert after["satisfaction_rate"] == 100.0 and after["bad_ratings"] == 0 and after["malicious"] == 1
    assert after["rectification_rate"] is None and after["tickets_opened"] == 0
    assert good.level == 5
    with pytest.raises(Conflict):
        services.decide_appeal(MaliciousAppeal.objects.get(pk=appeal.pk), second_leader, True)


def test_a_leader_may_not_confirm_an_appeal_of_their_own(flow):
    rating = services.rate_visit(services.open_visit(flow.clerk, purpose="咨询"), flow.clerk, 1)
    appeal = services.request_appeal(rating.ticket, flow.leader, "同一人多次恶意差评")
    with pytest.raises(DomainError):
        services.decide_appeal(appeal, flow.leader, True)


# --- the figures against a hand-computed dataset ----------------------------------------------------------------------


def test_dashboard_figures_against_a_hand_computed_dataset(flow, django_assert_num_queries):
    d1, d2 = make_department(), make_department()
    s1 = flow.section
    clerk, head = flow.clerk, flow.head
    jan = date(2030, 1, 10)
    past_due, future_due = clock.today() - timedelta(days=3), clock.today() + timedelta(days=30)
    # Department 1, January 2030: levels 5, 5, 4, 3, 2, 1, 1(malicious) ...
    for level in (5, 5, 4, 3):
        window_rating(clerk, level, at(jan), department=d1, section=s1)
    closed_on_time = window_rating(clerk, 2, at(jan), department=d1, section=s1)
    ticket(closed_on_time, date(2030, 1, 17), "closed", closed_at=at(date(2030, 1, 16)), by=head)
    closed_late = window_rating(clerk, 1, at(jan), department=d1, section=s1)
    ticket(closed_late, date(2030, 1, 17), "closed", closed_at=at(date(2030, 1, 20)), by=head)
    malicious = window_rating(clerk, 1, at(jan), department=d1, section=s1, malicious=True)
    ticket(malicious, date(2030, 1, 17), "void")
    # ... an open overdue one and an open one still in time (their due dates relative to today) ...
    overdue = window_rating(clerk, 2, at(jan, 15), department=d1, section=s1)
    ticket(overdue, past_due, "called", by=head)
    in_time = window_rating(clerk, 1, at(jan, 16), department=d1, section=s1)
    ticket(in_time, future_due, "awaiting_call")
    # ... department 2 in January, and department 1 outside the range (February).
    window_rating(clerk, 3, at(jan), department=d2)
    window_rating(clerk, 1, at(date(2030, 2, 1)), department=d1, section=s1)

    with django_assert_num_queries(1):
        f = selectors.dashboard_figures(date(2030, 1, 1), date(2030, 1, 31), department_id=d1.pk)
    assert f["levels"] == {5: 2, 4: 1, 3: 1, 2: 2, 1: 3}
    assert (f["total"], f["malicious"], f["counted"], f["satisfied"]) == (9, 1, 8, 4)
    assert f["satisfaction_rate"] == 50.0
    assert f["bad_ratings"] == 4
    assert (f["tickets_opened"], f["tickets_closed"], f["tickets_closed_on_time"]) == (4, 2, 1)
    assert (f["tickets_overdue"], f["tickets_open"]) == (2, 2)  # closed late + open past its date
    assert f["rectification_rate"] == 50.0
    everything = selectors.dashboard_figures(date(2030, 1, 1), date(2030, 1, 31))
    assert everything["total"] == 10 and everything["satisfied"] == 5
    assert selectors.dashboard_figures(date(2030, 1, 1), date(2030, 1, 31), section_id=s1.pk)["total"] == 9
    assert selectors.dashboard_figures(date(2030, 2, 1), date(2030, 2, 28))["levels"][1] == 1
    empty = selectors.dashboard_figures(date(2031, 1, 1), date(2031, 1, 31))
    assert empty["satisfaction_rate"] is None and empty["rectification_rate"] is None


def test_monthly_rates_per_department_for_the_guide(flow):
    d1 = make_department()
    today = date(2030, 3, 15)
    window_rating(flow.clerk, 5, at(date(2030, 3, 2)), department=d1)
    window_rating(flow.clerk, 1, at(date(2030, 3, 3)), department=d1)
    window_rating(flow.clerk, 1, at(date(2030, 3, 4)), department=d1, malicious=True)
    window_rating(flow.clerk, 4, at(date(2030, 1, 31, )), department=d1)
    rows = selectors.monthly_rates(d1.pk, today=today)
    assert [r["month"] for r in rows[:3]] == [date(2030, 3, 1), date(2030, 2, 1), date(2030, 1, 1)]
    assert (rows[0]["counted"], rows[0]["rate"]) == (2, 50.0)
    assert (rows[1]["counted"], rows[1]["rate"]) == (0, None)
    assert (rows[2]["counted"], rows[2]["rate"]) == (1, 100.0)
    assert len(rows) == 6


def test_demo_ratings_load_once_with_one_bad_rating_and_its_ticket(flow):
    from django.apps import apps

    from applications.testing import make_item

    item = make_item("食品经营许可")
    flow.clerk.username = "clerk"
    flow.clerk.save(update_fields=["username"])
    config = apps.get_app_config("applications")
    assert "12 demo ratings" in config.load_demo()
    assert "already" in config.load_demo()
    assert Rating.objects.count() == 12
    ticket_ = RectificationTicket.objects.get()
    assert ticket_.section_id == item.section_id and ticket_.rating.department_id == item.competent_department_id


def test_the_dashboard_shows_the_rectification_rate_as_the_ticket_closes_and_the_hall_todays_ratings(
        flow, closed, client):
    """The dashboards (portal.oversight) read the ratings' own figures: a bad rating's ticket moves the 差评整改率
    from 0 % to 100 % when the head closes it; the hall's wall screen shows today's ratings instead of its
    placeholder; the 办不成事反映 section is there too."""
    import re

    rating = services.rate_online(closed, flow.applicant_user, 1, "等了很久")
    today = clock.today().isoformat()
    client.force_login(flow.leader)

    def rectification_rate() -> str:
        page = client.get(reverse("portal:oversight"), {"start": today, "end": today})
        assert page.status_code == 200
        body = page.content.decode()
        assert "办不成事反映" in body
        found = re.search(r"差评整改率</[^>]+>\s*<[^>]+>([^<]+)<", body)
        assert found, body[body.find("差评整改率") - 200:body.find("差评整改率") + 300]
        return found.group(1).strip()

    assert rectification_rate() == "0.0%"
    t = services.record_call(rating.ticket, flow.head, call_on=clock.today(), contact="本人", notes="等候时间长")
    t = services.record_rectification(t, flow.head, "增开综合窗口")
    services.close_ticket(t, flow.head, "satisfied")
    assert rectification_rate() == "100.0%"

    exported = client.get(reverse("portal:oversight_export", args=["ratings", "levels", "csv"]),
                          {"start": today, "end": today})
    assert exported.status_code == 200 and "非常不满意,1," in exported.content.decode("utf-8")
    hall = client.get(reverse("portal:hall")).content.decode()
    assert "今日好差评" in hall and 'data-testid="section-ratings-placeholder"' not in hall
