"""好差评 pages: the applicant's rating page, the window tablet page, the ticket list and page, the appeals, the
guide figures; with query bounds."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from applications.ratings import services
from applications.ratings.models import MaliciousAppeal, Rating, RectificationTicket, WindowVisit
from approvals.testing import Flow, make_person
from portal import clock
from portal.roles import Role
from tests.ratings_world import closed_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_applicant_rates_on_the_page_and_the_detail_page_links_to_it(flow, django_assert_max_num_queries):
    closed = closed_application(flow)
    client = signed_in(flow.applicant_user)
    detail = client.get(reverse("applications:detail", args=[closed.pk]))
    assert 'data-testid="rate-link"' in detail.content.decode()
    url = reverse("applications:rate", args=[closed.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200 and "非常满意" in page.content.decode()
    assert client.post(url, {"level": ""}).status_code == 400
    response = client.post(url, {"level": "1", "comment": "等了很久"}, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.level, rating.channel, rating.comment) == (1, "3", "等了很久")
    again = client.get(url)
    assert 'data-testid="rated"' in again.content.decode()
    assert client.post(url, {"level": "5"}).status_code == 409
    assert signed_in(flow.reviewer).get(url).status_code == 404


def test_the_clerk_opens_a_visit_from_the_handover_and_the_tablet_takes_one_rating(flow):
    closed = closed_application(flow)
    client = signed_in(flow.clerk)
    assert 'data-testid="open-rating"' in client.get(reverse("approvals:intake", args=[closed.pk])).content.decode()
    response = client.post(reverse("applications:rating_visit_start"), {"application": closed.pk, "purpose": "领取"})
    visit = WindowVisit.objects.get()
    assert response.url == reverse("applications:rating_visit", args=[visit.token])
    page = client.get(response.url)
    assert "请您评价" in page.content.decode()
    assert client.post(response.url, {"level": "5"}).status_code == 302
    assert 'data-testid="visit-thanks"' in client.get(response.url).content.decode()
    assert client.post(response.url, {"level": "1"}).status_code == 409
    assert Rating.objects.get().channel == "1"
    assert signed_in(flow.head).get(reverse("applications:rating_visit_start")).status_code == 403


def test_a_clerk_cannot_open_a_visit_for_an_application_they_may_not_see(flow):
    """The window's 现场评价 attaches a visit (and its rating, its ticket) to an application only the clerk may see
    (approvals' desk rule: in intake, or one they claimed, noticed or handed over): another clerk's closed
    application answers 404 on the page and is refused by the service."""
    closed = closed_application(flow)
    stranger = make_person(Role.WINDOW_CLERK, "另一窗口")
    response = signed_in(stranger).post(reverse("applications:rating_visit_start"),
                                        {"application": closed.pk, "purpose": "领取"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.open_visit(stranger, application=closed)
    assert not WindowVisit.objects.exists()


def test_ticket_list_and_page_for_the_head_with_query_bounds(flow, django_assert_max_num_queries):
    clerk = flow.clerk
    for level in (1, 2, 1, 2, 1):
        services.rate_visit(services.open_visit(clerk, application=closed_application(flow) if level == 0 else None,
                                                purpose="咨询"), clerk, level)
    # the visits had no application: give their tickets to the flow's section
    RectificationTicket.objects.update(section=flow.section)
    Rating.objects.update(section=flow.section)
    client = signed_in(flow.head)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("applications:rating_tickets"))
    assert page.content.decode().count('data-testid="ticket-row"') == 5
    ticket = RectificationTicket.objects.order_by("id").first()
    url = reverse("applications:rating_ticket", args=[ticket.pk])
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    assert client.post(url, {"action": "call", "call-call_on": clock.today().isoformat(), "call-contact": "",
                             "call-notes": ""}).status_code == 400
    assert client.post(url, {"action": "call", "call-call_on": clock.today().isoformat(), "call-contact": "本人",
                             "call-notes": "等候时间长"}).status_code == 302
    assert client.post(url, {"action": "close", "close-applicant_view": "satisfied"}).status_code == 409
    assert client.post(url, {"action": "rectify", "rectify-rectification": "增设取号提醒"}).status_code == 302
    assert client.post(url, {"action": "close", "close-applicant_view": "satisfied"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    # the leader sees it but the section head acts: a leader's POST is refused
    leader = signed_in(flow.leader)
    assert leader.get(url).status_code == 200
    other = RectificationTicket.objects.exclude(pk=ticket.pk).first()
    assert leader.post(reverse("applications:rating_ticket", args=[other.pk]),
                       {"action": "rectify", "rectify-rectification": "x"}).status_code == 403
    assert signed_in(flow.reviewer).get(reverse("applications:rating_tickets")).status_code == 403


def test_the_leader_confirms_an_appeal_on_the_appeals_page(flow, django_assert_max_num_queries):
    rating = services.rate_visit(services.open_visit(flow.clerk, purpose="咨询"), flow.clerk, 1)
    RectificationTicket.objects.update(section=flow.section)
    head = signed_in(flow.head)
    url = reverse("applications:rating_ticket", args=[rating.ticket.pk])
    assert head.post(url, {"action": "appeal", "appeal-reason": "与服务无关的辱骂"}).status_code == 302
    appeal = MaliciousAppeal.objects.get()
    leader = signed_in(flow.leader)
    with django_assert_max_num_queries(12):
        assert "与服务无关的辱骂" in leader.get(reverse("applications:rating_appeals")).content.decode()
    assert head.get(reverse("applications:rating_appeals")).status_code == 403
    response = leader.post(reverse("applications:rating_appeal_decide", args=[appeal.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.malicious and rating.ticket.status == "void"


def test_the_guide_page_shows_the_departments_monthly_satisfaction(flow, client):
    closed = closed_application(flow)
    services.rate_online(closed, flow.applicant_user, 5)
    item = closed.items.first().item
    page = client.get(reverse("catalog:item", args=[item.pk]))
    html = page.content.decode()
    assert 'data-testid="satisfaction"' in html and "100.0%" in html


def test_the_heads_home_shows_the_open_and_overdue_tickets(flow):
    services.rate_visit(services.open_visit(flow.clerk, purpose="咨询"), flow.clerk, 1)
    RectificationTicket.objects.update(section=flow.section, due_on=clock.today() - timedelta(days=1))
    body = signed_in(flow.head).get("/").content.decode()
    assert 'data-testid="panel-rating-tickets"' in body and "办理中的整改单 1 件" in body and "超期 1 件" in body
