"""Officers at the same moment, each in its own thread and database connection (real PostgreSQL):
take-next never hands one case to two people; two people acting on one case get one success, one conflict."""
import pytest

from portal.errors import Conflict
from approvals.cases import services as case_services
from approvals.models import ApprovalCase, Decision, Stage
from approvals.testing import Flow, make_person
from portal.models import AuditEvent
from portal.roles import Role
from tests.test_applications_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flow():
    return Flow.build()


def test_two_officers_taking_next_at_once_get_different_cases(flow):
    colleague = make_person(Role.APPROVAL_OFFICER, "同事", section=flow.section)
    for _ in range(3):
        flow.case()
    results, errors, _seconds = run_at_once([
        lambda: case_services.take_next(flow.reviewer, "review"),
        lambda: case_services.take_next(colleague, "review"),
    ])
    assert errors == []
    first, second = results
    assert first is not None and second is not None and first.pk != second.pk
    assert {first.assignee_id, second.assignee_id} == {flow.reviewer.pk, colleague.pk}
    held = ApprovalCase.objects.filter(assignee__isnull=False).values_list("pk", "assignee_id")
    assert sorted(held) == sorted([(first.pk, flow.reviewer.pk), (second.pk, colleague.pk)])
    assert ApprovalCase.objects.filter(stage=Stage.RECEIVED, assignee__isnull=True).count() == 1


def test_eight_officers_racing_for_five_cases(flow):
    officers = [make_person(Role.APPROVAL_OFFICER, f"审查员{i}", section=flow.section) for i in range(8)]
    for _ in range(5):
        flow.case()
    results, errors, _seconds = run_at_once([lambda o=o: case_services.take_next(o, "review") for o in officers])
    assert errors == []
    taken = [r.pk for r in results if r is not None]
    assert len(taken) == 5 and len(set(taken)) == 5
    assert AuditEvent.objects.filter(action="case_claim").count() == 5


def test_two_officers_deciding_the_same_case_at_once_one_wins_one_is_told(flow):
    colleague = make_person(Role.APPROVAL_OFFICER, "同事", section=flow.section)
    flow.case()
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "符合条件")
    seen_by_first = ApprovalCase.objects.get(pk=case.pk)
    seen_by_second = ApprovalCase.objects.get(pk=case.pk)
    results, errors, _seconds = run_at_once([
        lambda: case_services.decide(seen_by_first, flow.certifier, True),
        lambda: case_services.decide(seen_by_second, colleague, False, reasons="不符合条件"),
    ])
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert "已被他人处理" in errors[0].messages[0]
    assert len([r for r in results if r is not None]) == 1
    assert Decision.objects.filter(case_id=case.pk).count() == 1
    assert ApprovalCase.objects.get(pk=case.pk).stage in (Stage.APPROVED, Stage.DENIED)
    assert AuditEvent.objects.filter(object_id=str(case.pk), object_type="approvals.approvalcase",
                                     action__in=["case_approve", "case_deny"]).count() == 1


def test_review_and_release_racing_on_one_case(flow):
    flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    first = ApprovalCase.objects.get(pk=case.pk)
    second = ApprovalCase.objects.get(pk=case.pk)
    results, errors, _seconds = run_at_once([
        lambda: case_services.complete_review(first, flow.reviewer, "符合条件"),
        lambda: case_services.release_case(second, flow.reviewer),
    ])
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert len([r for r in results if r is not None]) == 1
