"""Reads of the workflow: queues in urgency order with working days left, the leader's overview, one case
with its whole history, in a fixed number of queries."""
import pytest

from approvals.cases import selectors as case_selectors
from approvals.cases import services as case_services
from approvals.testing import Flow, make_person, make_warned, record_and_cosign
from portal import clock
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def test_queue_orders_red_then_yellow_then_the_promised_date_with_working_days_left(flow, django_assert_max_num_queries):
    late, soon, calm = flow.case(promised=3), flow.case(promised=12), flow.case(promised=8)
    make_warned(soon, "red")  # its promised date passed: first
    make_warned(calm, "yellow")  # one working day left: before `late`'s three
    with django_assert_max_num_queries(3):
        page = list(case_selectors.queue("review", officer=flow.reviewer)[:20])
        rows = case_selectors.case_rows(page)
        [(r.case.application.case_number, r.case.item_version.name, r.case.section.name, r.case.assignee) for r in rows]
    assert [r.case.pk for r in rows] == [soon.pk, calm.pk, late.pk]
    assert rows[0].colour == "red" and rows[2].days_left == clock.working_days_left(late.promised_due_date)
    assert case_selectors.queue("review", officer=flow.reviewer).count() == 3
    assert list(case_selectors.queue("decision", officer=flow.reviewer)) == []
    stranger = make_person(Role.APPROVAL_OFFICER, "外人")
    assert list(case_selectors.queue("review", officer=stranger)) == []
    case_services.take_next(flow.reviewer, "review")
    assert [c.pk for c in case_selectors.queue("review", officer=flow.reviewer, mine=True)] == [soon.pk]
    assert case_selectors.queue("review", officer=flow.reviewer, waiting=True).count() == 2
    assert [c.pk for c in case_selectors.my_cases(flow.reviewer)] == [soon.pk]


def test_leader_overview_groups_warnings_by_section(flow, django_assert_max_num_queries):
    red, yellow, _green = flow.case(), flow.case(), flow.case()
    make_warned(red, "red", alarm=True)
    make_warned(yellow, "yellow")
    with django_assert_max_num_queries(2):
        overview = case_selectors.leader_overview()
        warned = list(overview.cases[:20])
    assert overview.totals == {"red": 1, "yellow": 1, "alarm": 1, "suspended": 0, "open": 3}
    assert overview.by_section[0]["section__name"] == flow.section.name
    assert [c.pk for c in warned] == [red.pk, yellow.pk]


def test_case_detail_has_everything_in_a_fixed_number_of_queries(flow, django_assert_max_num_queries):
    flow.case(inspection=True, legal=True)
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需勘验")
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "合格", "pass")
    case_services.request_extension(case, flow.reviewer, "会商")
    with django_assert_max_num_queries(12):
        detail = case_selectors.case_detail(flow.certifier, case.pk)
        inspections = [(i.place, [p.pk for p in i.inspectors.all()], list(i.evidence.all())) for i in detail.inspections.all()]
        [e.reason for e in detail.extensions.all()] + [s.reason for s in detail.suspensions.all()]
        [r.comments for r in detail.legal_reviews.all()]
        [(h.action, h.actor_name, h.opinion) for h in detail.history]
    assert inspections[0][0] == "现场" and len(inspections[0][1]) == 2
    assert [h.action for h in detail.history][:3] == ["case_open", "case_claim", "case_review"]
    assert detail.decision_record is None
    assert case_selectors.case_detail(flow.inspector1, case.pk) is not None
    assert case_selectors.case_detail(flow.legal, case.pk) is None  # nothing drafted for legal review yet
    assert case_selectors.case_detail(flow.applicant_user, case.pk) is None
