"""办不成事反映窗口 and 12345 work orders (issue 15 item 2): the state machine through the services, the policy, the
overdue escalation (once), the public follow page, the 12345 API (idempotent by work-order number, 409 on a
conflicting body), the reply and follow-up pushed back to the platform's webhook (verified with `standardwebhooks`),
the pages with query bounds, and dashboard_figures on a hand-computed dataset."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from applications.problems import policy, selectors, services
from applications.problems.models import HotlinePlatform, ProblemChannel, ProblemStatus, ProblemTicket, Satisfaction
from approvals.testing import Flow, make_person
from catalog.testing import make_department
from portal import clock, outbox
from portal.errors import Conflict, DomainError, Throttled
from portal.models import AuditEvent, Notification
from portal.roles import Role
from supervision import delivery
from supervision import services as supervision_services
from supervision.models import Delivery, Handoff
from supervision.testing import Receiver

pytestmark = pytest.mark.django_db

ORDER = {"work_order_number": "YA12345-0001", "title": "网上申请一直未受理", "description": "提交一周无人受理。",
         "contact_name": "李娜", "contact_mobile": "13700001111"}


@pytest.fixture
def flow():
    return Flow.build()


@pytest.fixture
def department_user():
    department = make_department()
    user = make_person(Role.DEPARTMENT_USER, "周监管")
    department.members.add(user)
    return user, department


def filed(**extra):
    data = {"title": "被要求提供清单外材料", "description": "窗口要求提供租赁备案证明。", "contact_name": "张丽华",
            "contact_mobile": "13800000001", **extra}
    return services.file_online(**data)


def walk(ticket, flow, satisfaction=Satisfaction.SATISFIED):
    ticket = services.assign(ticket, flow.clerk, section=flow.section, note="请核实")
    ticket = services.reply(ticket, flow.reviewer, "已核实：该材料不再要求。")
    return services.follow_up(ticket, flow.clerk, satisfaction=satisfaction, note="反映人表示满意")


# --- services and the state machine ----------------------------------------------------------------------------------


def test_a_ticket_walks_every_step_audited(flow):
    ticket = filed()
    assert ticket.number.startswith(f"BJ{clock.today().year}-") and len(ticket.number) == 13
    assert ticket.status == ProblemStatus.RECEIVED and ticket.channel == ProblemChannel.ONLINE
    ticket = services.assign(ticket, flow.clerk, section=flow.section, note="请核实")
    assert ticket.status == ProblemStatus.COORDINATING
    assert ticket.reply_due_on == clock.add_working_days(ticket.assigned_at, 5)
    assert Notification.objects.filter(recipient=flow.reviewer, title__contains=ticket.number).exists()
    ticket = services.reply(ticket, flow.reviewer, "已核实：该材料不再要求。")
    assert ticket.status == ProblemStatus.REPLIED and ticket.reply_working_days == 0 and ticket.replied_on_time
    ticket = services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.BASIC, note="基本满意")
    ticket = services.close(ticket, flow.clerk)
    assert ticket.status == ProblemStatus.CLOSED
    actions = list(AuditEvent.objects.filter(object_id=str(ticket.pk), action__startswith="problem_").order_by("id").values_list("action", flat=True))
    assert actions == ["problem_filed", "problem_assigned", "problem_replied", "problem_followed_up", "problem_closed"]
    assert OutboxEventCount.of(ticket) == 0  # not from 12345: nothing to push back


class OutboxEventCount:
    @staticmethod
    def of(ticket):
        from portal.models import OutboxEvent

        return OutboxEvent.objects.filter(subject_id=str(ticket.pk), topic__startswith="problem.").count()


def test_numbers_are_sequential_and_unique():
    first, second = filed(), filed()
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_steps_out_of_order_are_refused(flow):
    ticket = filed()
    with pytest.raises(Conflict):
        services.reply(ticket, flow.clerk, "答复")
    with pytest.raises(Conflict):
        services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.SATISFIED, note="x")
    with pytest.raises(DomainError):
        services.assign(ticket, flow.clerk)  # neither section nor department
    ticket = services.assign(ticket, flow.clerk, section=flow.section)
    with pytest.raises(DomainError):
        services.reply(ticket, flow.reviewer, "   ")
    with pytest.raises(Conflict):
        services.close(ticket, flow.clerk)


def test_contact_is_required_and_checked():
    with pytest.raises(DomainError):
        filed(contact_name=" ")
    with pytest.raises(DomainError):
        filed(contact_mobile="12345")


def test_online_filing_is_throttled_per_address(settings):
    settings.PROBLEM_DESK_FILINGS_PER_HOUR = 2
    filed(ip="10.0.0.9")
    filed(ip="10.0.0.9")
    with pytest.raises(Throttled):
        filed(ip="10.0.0.9")
    filed(ip="10.0.0.10")


def test_reassigning_runs_the_deadline_anew(flow, department_user):
    _user, department = department_user
    ticket = services.assign(filed(), flow.clerk, section=flow.section, days=3)
    ticket = services.assign(ticket, flow.clerk, department=department, days=10)
    assert ticket.section is None and ticket.department == department
    assert ticket.reply_due_on == clock.add_working_days(ticket.assigned_at, 10)


# --- policy ---------------------------------------------------------------------------------------------------------


def test_who_may_act(flow, department_user):
    dept_user, department = department_user
    outsider = make_person(Role.APPROVAL_OFFICER, "外科室", section=None)
    ticket = filed(user=flow.applicant_user)
    with pytest.raises(PermissionDenied):
        services.assign(ticket, flow.reviewer, section=flow.section)
    ticket = services.assign(ticket, flow.clerk, section=flow.section)
    for person in (outsider, dept_user, flow.applicant_user, flow.leader):
        with pytest.raises(PermissionDenied):
            services.reply(ticket, person, "答复")
    assert policy.may_reply(flow.head, ticket) and policy.may_reply(flow.clerk, ticket)
    ticket = services.reply(ticket, flow.head, "答复")
    with pytest.raises(PermissionDenied):
        services.follow_up(ticket, flow.head, satisfaction=Satisfaction.SATISFIED, note="x")
    # who sees it
    assert set(policy.visible_tickets(flow.applicant_user)) == {ticket}
    assert ticket in policy.visible_tickets(flow.leader) and ticket in policy.visible_tickets(flow.reviewer)
    assert not policy.visible_tickets(outsider).exists() and not policy.visible_tickets(dept_user).exists()
    other = services.assign(filed(), flow.clerk, department=department)
    assert list(policy.visible_tickets(dept_user)) == [other]
    assert services.reply(other, dept_user, "部门答复").status == ProblemStatus.REPLIED


# --- the overdue escalation -----------------------------------------------------------------------------------------


def test_overdue_tickets_reach_the_leaders_once(flow):
    late = services.assign(filed(), flow.clerk, section=flow.section, days=1)
    services.assign(filed(), flow.clerk, section=flow.section, days=10)  # not due yet
    replied = services.reply(services.assign(filed(), flow.clerk, section=flow.section, days=1), flow.reviewer, "好")
    later = late.reply_due_on + timedelta(days=1)
    second_leader = make_person(Role.BUREAU_LEADER, "钱副局长")
    assert services.escalate_overdue(later) == 1
    assert services.escalate_overdue(later) == 0
    assert services.escalate_overdue(later + timedelta(days=3)) == 0
    for leader in (flow.leader, second_leader):
        assert Notification.objects.filter(recipient=leader, title__contains=late.number).count() == 1
    assert not Notification.objects.filter(title__contains=replied.number, recipient=flow.leader).exists()
    assert AuditEvent.objects.filter(action="problem_escalated", object_id=str(late.pk)).count() == 1
    late.refresh_from_db()
    assert late.escalated_at is not None


# --- the public follow page -----------------------------------------------------------------------------------------


def test_lookup_by_number_and_mobile_tail(flow, settings):
    ticket = filed()
    assert services.lookup(ticket.number.lower(), "0001") == ticket
    assert services.lookup(ticket.number, "9999") is None
    settings.LOGIN_FAILURE_LIMIT = 2
    for _i in range(2):
        services.lookup(ticket.number, "1234", ip="10.1.1.1")
    with pytest.raises(Throttled):
        services.lookup(ticket.number, "0001", ip="10.1.1.1")
    assert services.lookup(ticket.number, "0001", ip="10.1.1.2") == ticket


def test_the_follow_page_shows_the_steps_without_contact_data(client, flow):
    ticket = walk(filed(), flow)
    response = client.post(reverse("applications:problem_follow"),
                           {"number": ticket.number, "mobile_tail": "0001"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "已核实：该材料不再要求。" in text and "满意" in text and "张*" in text
    assert "13800000001" not in text and "张丽华" not in text
    missing = client.post(reverse("applications:problem_follow"), {"number": ticket.number, "mobile_tail": "1111"})
    assert 'data-testid="not-found"' in missing.content.decode()


# --- pages ----------------------------------------------------------------------------------------------------------


def test_filing_online_anonymously_and_signed_in(client, flow):
    data = {"title": "事项办不成", "description": "说明", "contact_name": "马建军", "contact_mobile": "13912345678"}
    response = client.post(reverse("applications:problem_file"), data)
    assert response.status_code == 302
    number = client.get(response["Location"]).context["number"]
    ticket = ProblemTicket.objects.get(number=number)
    assert ticket.filed_by is None and ticket.ip_address == "127.0.0.1"
    bad = client.post(reverse("applications:problem_file"), {**data, "contact_mobile": "123"})
    assert bad.status_code == 400 and "请输入11位中国大陆手机号码" in bad.content.decode()
    client.force_login(flow.applicant_user)
    client.post(reverse("applications:problem_file"), data)
    mine = client.get(reverse("applications:problem_mine"))
    assert len(mine.context["page"].object_list) == 1


def test_queue_and_ticket_pages_are_bounded(client, flow, django_assert_max_num_queries):
    for n in range(25):
        ticket = filed(title=f"反映{n}")
        if n % 2:
            services.assign(ticket, flow.clerk, section=flow.section)
    client.force_login(flow.clerk)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("applications:problem_queue"), {"state": "all"})
    assert response.status_code == 200 and len(response.context["page"].object_list) == 20
    with django_assert_max_num_queries(14):
        client.get(reverse("applications:problem_queue"), {"state": "all", "page": 2})
    with django_assert_max_num_queries(18):
        page = client.get(reverse("applications:problem", args=[ticket.pk]))
    assert page.status_code == 200 and 'data-testid="assign"' in page.content.decode()
    client.force_login(flow.reviewer)
    assert client.get(reverse("applications:problem_queue"), {"state": "all"}).context["page"].paginator.count == 12
    client.force_login(flow.applicant_user)
    assert client.get(reverse("applications:problem_queue")).status_code == 403


def test_the_step_actions_through_the_pages(client, flow):
    ticket = filed()
    client.force_login(flow.clerk)
    response = client.post(reverse("applications:problem_assign", args=[ticket.pk]),
                           {"target": f"s{flow.section.pk}", "days": 5, "note": "请核实"})
    assert response.status_code == 302
    client.force_login(flow.reviewer)
    assert client.post(reverse("applications:problem_reply", args=[ticket.pk]), {"reply": ""}).status_code == 400
    assert client.post(reverse("applications:problem_reply", args=[ticket.pk]), {"reply": "已解决"}).status_code == 302
    assert client.post(reverse("applications:problem_follow_up", args=[ticket.pk]),
                       {"called_on": clock.today().isoformat(), "note": "好", "satisfaction": "satisfied"}
                       ).status_code == 403
    client.force_login(flow.clerk)
    assert client.post(reverse("applications:problem_follow_up", args=[ticket.pk]),
                       {"called_on": clock.today().isoformat(), "note": "好", "satisfaction": "satisfied"}
                       ).status_code == 302
    assert client.post(reverse("applications:problem_close", args=[ticket.pk])).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == ProblemStatus.CLOSED
    # a second close: refused by the state, shown on the page
    assert client.post(reverse("applications:problem_close", args=[ticket.pk])).status_code == 409


def test_the_clerk_records_a_phone_call(client, flow):
    client.force_login(flow.clerk)
    response = client.post(reverse("applications:problem_record"), {
        "channel": "12345", "work_order_number": "YA-77", "title": "热线转办", "description": "说明",
        "contact_name": "王五", "contact_mobile": "13600000000"})
    assert response.status_code == 302
    ticket = ProblemTicket.objects.get()
    assert ticket.channel == ProblemChannel.HOTLINE and ticket.recorded_by == flow.clerk and ticket.platform is None
    client.force_login(flow.reviewer)
    assert client.get(reverse("applications:problem_record")).status_code == 403


# --- the 12345 API --------------------------------------------------------------------------------------------------


@pytest.fixture
def platform():
    return HotlinePlatform.objects.create(code="12345-city", name="市12345热线")


@pytest.fixture
def token(platform):
    return services.issue_platform_token(platform)


def post_order(client, token, body):
    return client.post("/api/applications/hotline-orders/", body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_work_orders_are_idempotent_by_number(client, platform, token):
    first = post_order(client, token, ORDER)
    assert first.status_code == 201, first.content
    number = first.json()["ticket"]
    again = post_order(client, token, ORDER)
    assert again.status_code == 200 and again.json()["ticket"] == number
    assert ProblemTicket.objects.filter(platform=platform).count() == 1
    conflict = post_order(client, token, {**ORDER, "description": "改过的内容"})
    assert conflict.status_code == 409 and "工单号" in conflict.json()["detail"]
    assert ProblemTicket.objects.count() == 1
    state = client.get(f"/api/applications/hotline-orders/{ORDER['work_order_number']}/",
                       HTTP_AUTHORIZATION=f"Bearer {token}")
    assert state.status_code == 200 and state.json()["status"] == "received"
    assert "contact_mobile" not in state.json()
    ticket = ProblemTicket.objects.get()
    assert ticket.channel == ProblemChannel.HOTLINE and ticket.work_order_number == "YA12345-0001"


def test_the_api_refuses_bad_tokens_and_bodies(client, platform, token, flow):
    assert post_order(client, "ow12345_wrong", ORDER).status_code == 401
    assert client.post("/api/applications/hotline-orders/", ORDER, content_type="application/json").status_code == 401
    client.force_login(flow.clerk)  # a session is no platform
    assert client.post("/api/applications/hotline-orders/", ORDER, content_type="application/json").status_code == 403
    client.logout()
    bad = post_order(client, token, {**ORDER, "contact_mobile": "110"})
    assert bad.status_code == 400
    HotlinePlatform.objects.filter(pk=platform.pk).update(active=False)
    assert post_order(client, token, ORDER).status_code == 401
    assert HotlinePlatform.objects.get().token_hash == services.hash_token(token)  # only the hash is stored


def test_another_platform_does_not_see_the_work_order(client, platform, token):
    post_order(client, token, ORDER)
    other = services.issue_platform_token(HotlinePlatform.objects.create(code="12345-prov", name="省热线"))
    answer = client.get(f"/api/applications/hotline-orders/{ORDER['work_order_number']}/",
                        HTTP_AUTHORIZATION=f"Bearer {other}")
    assert answer.status_code == 404
    assert post_order(client, other, ORDER).status_code == 201  # its own numbering


# --- replies and follow-ups pushed back to the platform ---------------------------------------------------------------


def test_reply_and_follow_up_reach_the_platform_signed(platform, flow):
    ticket, created = services.receive_work_order(platform, ORDER)
    assert created
    with Receiver(secrets=[]) as receiver:
        subscription = supervision_services.add_platform_subscription(platform, receiver.url)
        receiver.secrets.append(subscription.secret)
        ticket = services.assign(ticket, flow.clerk, section=flow.section)
        ticket = services.reply(ticket, flow.reviewer, "已督促受理科室当日受理。")
        ticket = services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.SATISFIED, note="满意")
        assert outbox.drain() == 2
        assert outbox.drain() == 0  # once
        handoffs = list(Handoff.objects.filter(platform=platform).order_by("sequence"))
        assert [h.kind for h in handoffs] == ["reply", "follow_up"] and [h.sequence for h in handoffs] == [1, 2]
        assert Delivery.objects.filter(subscription=subscription).count() == 2
        result = delivery.deliver_subscription(subscription.pk)
        assert result["sent"] == 2, result
    assert [r.status for r in receiver.receipts] == [200, 200]
    messages = [r.message for r in receiver.receipts]
    assert [m["type"] for m in messages] == ["problem.replied", "problem.followed_up"]
    assert messages[0]["data"]["work_order_number"] == "YA12345-0001"
    assert messages[0]["data"]["reply"] == "已督促受理科室当日受理。"
    assert messages[1]["data"]["follow_up"]["satisfaction"] == "satisfied"
    assert "contact_mobile" not in messages[0]["data"]
    # a receiver with the platform's secret verifies every message; a wrong secret does not
    receipt = receiver.receipts[0]
    assert Webhook(subscription.secret).verify(receipt.body, receipt.headers)["data"]["ticket"] == ticket.number
    # the departments never see a platform's messages; administrators see its deliveries (to re-drive dead letters)
    assert not supervision_services.policy.visible_handoffs(flow.leader).filter(platform=platform).exists()


def test_administrators_see_a_platforms_deliveries(client, platform, flow):
    ticket, _created = services.receive_work_order(platform, ORDER)
    supervision_services.add_platform_subscription(platform, "http://127.0.0.1:9/hook")
    services.reply(services.assign(ticket, flow.clerk, section=flow.section), flow.reviewer, "已答复")
    outbox.drain()
    client.force_login(make_person(Role.ADMINISTRATOR, "系统管理员"))
    page = client.get(reverse("supervision:deliveries"))
    assert page.status_code == 200 and "YA12345-0001" in page.content.decode() and "市12345热线" in page.content.decode()


def test_tickets_not_from_a_platform_publish_nothing(flow):
    walk(filed(), flow)
    assert outbox.drain() == 0
    assert not Handoff.objects.exists()


# --- dashboard figures ------------------------------------------------------------------------------------------------


def _at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_dashboard_figures_on_a_hand_computed_dataset(flow, department_user):
    _user, department = department_user
    start = date(2026, 3, 2)  # a Monday
    end = date(2026, 3, 31)
    rows = [
        # channel, received, assigned to, due, replied (date), working days, satisfaction
        ("online", date(2026, 3, 2), "s", date(2026, 3, 9), date(2026, 3, 5), 3, "satisfied"),
        ("online", date(2026, 3, 3), "s", date(2026, 3, 10), date(2026, 3, 12), 7, "dissatisfied"),
        ("12345", date(2026, 3, 4), "d", date(2026, 3, 11), date(2026, 3, 11), 5, "basic"),
        ("window", date(2026, 3, 5), "d", date(2026, 3, 12), None, None, ""),   # overdue, unreplied
        ("phone", date(2026, 3, 6), None, None, None, None, ""),                 # received only
        ("online", date(2026, 4, 1), "s", date(2026, 4, 8), date(2026, 4, 2), 1, "satisfied"),  # outside
    ]
    for n, (channel, received, side, due, replied, days, satisfaction) in enumerate(rows):
        status = ("followed_up" if satisfaction else "replied" if replied else "coordinating" if side
                  else "received")
        ProblemTicket.objects.create(
            number=f"BJ2026-9{n:05d}", channel=channel, status=status, title="t", description="d",
            contact_name="张三", contact_mobile="13800000000", received_at=_at(received),
            section=flow.section if side == "s" else None, department=department if side == "d" else None,
            assigned_at=_at(received) if side else None, reply_due_on=due,
            reply="答复" if replied else "", replied_at=_at(replied, 16) if replied else None,
            reply_working_days=days, follow_up_at=_at(replied, 17) if satisfaction else None,
            satisfaction=satisfaction)
    figures = selectors.dashboard_figures(start, end)
    assert figures == {
        "received": {"online": 2, "window": 1, "phone": 1, "12345": 1}, "received_total": 5,
        "replied_on_time": 2, "replied_late": 1, "overdue_open": 1,
        "average_reply_working_days": 5.0,  # (3 + 7 + 5) / 3
        "satisfaction": {"satisfied": 1, "basic": 1, "dissatisfied": 1}, "followed_up": 3,
        "satisfied_rate": 66.7,
    }
    by_department = selectors.dashboard_figures(start, end, department_id=department.pk)
    assert by_department["received_total"] == 2 and by_department["replied_on_time"] == 1
    assert by_department["overdue_open"] == 1 and by_department["average_reply_working_days"] == 5.0
    by_section = selectors.dashboard_figures(start, end, section_id=flow.section.pk)
    assert by_section["received"]["online"] == 2 and by_section["replied_late"] == 1
    empty = selectors.dashboard_figures(date(2025, 1, 1), date(2025, 1, 31))
    assert empty["received_total"] == 0 and empty["average_reply_working_days"] is None
    assert empty["satisfied_rate"] is None


def test_the_call_date_is_checked(flow):
    ticket = services.reply(services.assign(filed(), flow.clerk, section=flow.section), flow.reviewer, "已答复")
    with pytest.raises(DomainError):
        services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.SATISFIED, note="x",
                           called_on=clock.today() + timedelta(days=1))
    with pytest.raises(DomainError):
        services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.SATISFIED, note="x",
                           called_on=clock.today() - timedelta(days=1))  # before the reply
    with pytest.raises(DomainError):
        services.follow_up(ticket, flow.clerk, satisfaction="很好", note="x")
    ticket = services.follow_up(ticket, flow.clerk, satisfaction=Satisfaction.DISSATISFIED, note="仍未解决",
                                called_on=clock.today())
    assert clock.local_date(ticket.follow_up_at) == clock.today() and ticket.satisfaction == "dissatisfied"


def test_the_commands_make_a_token_and_a_webhook(capsys):
    from django.core.management import call_command

    call_command("hotline_token", "12345-city", "--name", "市12345热线")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    platform = HotlinePlatform.objects.get(code="12345-city")
    assert token.startswith("ow12345_") and platform.token_hash == services.hash_token(token)
    assert services.platform_for_token(token) == platform
    call_command("hotline_token", "12345-city")  # again: a new token replaces the old one
    assert services.platform_for_token(token) is None
    call_command("hotline_webhook", "12345-city", "http://127.0.0.1:9/hook")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and platform.subscriptions.get().secret == secret
