"""Two staff on site (Art. 34, issue 13 item 4): a visit's result is recorded by one inspector on or after the
visit's date and takes effect only when the other inspector co-signs (会签); the co-signer may return it."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.cases import policy
from approvals.cases import services as case_services
from approvals.models import ApprovalCase, Inspection, Stage
from approvals.testing import Flow, make_person, visit_day_arrives
from portal import clock
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent, Notification
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def at_inspection(flow, **flags) -> ApprovalCase:
    flow.case(inspection=True, **flags)
    case = case_services.take_next(flow.reviewer, "review")
    return case_services.complete_review(case, flow.reviewer, "需现场勘验")


def stage(case) -> str:
    return ApprovalCase.objects.get(pk=case.pk).stage


def actions(case) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="approvals.approvalcase", object_id=str(case.pk),
                                          action__startswith="inspection").order_by("id").values_list("action", flat=True))


def test_a_result_is_refused_before_the_visits_date(flow):
    case = at_inspection(flow)
    tomorrow = clock.today() + timedelta(days=1)
    visit = case_services.schedule_inspection([case], tomorrow, "现场", flow.inspectors, flow.certifier)
    with pytest.raises(DomainError, match=f"{tomorrow.isoformat()} 起") as refused:
        case_services.record_inspection_result(visit, flow.inspector1, "提前记录", "pass")
    assert refused.value.code == "too_early"
    assert not policy.can_record_result(visit, flow.inspector1)
    assert policy.can_record_result(visit, flow.inspector1, today=tomorrow)
    visit = Inspection.objects.get(pk=visit.pk)
    assert visit.proposed_outcome == "" and visit.recorded_by is None
    visit = visit_day_arrives(visit)
    case_services.record_inspection_result(visit, flow.inspector1, "符合要求", "pass")
    assert Inspection.objects.get(pk=visit.pk).proposed_outcome == "pass"


def test_the_result_takes_effect_only_when_the_other_inspector_cosigns(flow):
    case = at_inspection(flow)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    visit = case_services.record_inspection_result(visit, flow.inspector1, "场所符合要求", "pass")
    visit.refresh_from_db()
    assert visit.outcome == "" and visit.proposed_outcome == "pass" and visit.awaiting_cosign
    assert visit.recorded_by == flow.inspector1 and visit.recorded_at is not None
    assert stage(case) == Stage.INSPECTION
    assert Notification.objects.filter(recipient=flow.inspector2, title="勘验记录待会签").exists()
    # The recorder may not co-sign their own record, nor record it again; a non-inspector may not co-sign.
    with pytest.raises(DomainError, match="另一名勘验人员会签") as refused:
        case_services.cosign_inspection(visit, flow.inspector1)
    assert refused.value.code == "separation"
    with pytest.raises(Conflict, match="等待另一名勘验人员会签"):
        case_services.record_inspection_result(visit, flow.inspector2, "再记一次", "fail")
    with pytest.raises(PermissionDenied):
        case_services.cosign_inspection(visit, flow.certifier)
    visit = case_services.cosign_inspection(visit, flow.inspector2)
    assert visit.outcome == "pass" and visit.proposed_outcome == ""
    assert visit.cosigned_by == flow.inspector2 and visit.cosigned_at is not None
    assert stage(case) == Stage.DECISION
    assert actions(case) == ["inspection_scheduled", "inspection_recorded", "inspection_result"]
    effect = AuditEvent.objects.get(object_id=str(case.pk), action="inspection_result")
    assert effect.actor == flow.inspector2 and effect.data["recorded_by"] == flow.inspector1.pk
    with pytest.raises(Conflict, match="已记录结果"):
        case_services.cosign_inspection(visit, flow.inspector2)


def test_the_cosigner_returns_the_record_and_the_recorder_records_again(flow):
    case = at_inspection(flow)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    case_services.record_inspection_result(visit, flow.inspector1, "场所符合要求", "pass")
    with pytest.raises(DomainError, match="退回须写明意见"):
        case_services.return_inspection_record(visit, flow.inspector2, " ")
    visit = case_services.return_inspection_record(visit, flow.inspector2, "后厨排烟不达标，结论应为限期整改")
    visit.refresh_from_db()
    assert visit.outcome == "" and visit.proposed_outcome == "" and "排烟" in visit.return_comment
    assert Notification.objects.filter(recipient=flow.inspector1, title="勘验记录被退回").exists()
    with pytest.raises(Conflict, match="没有等待会签"):
        case_services.cosign_inspection(visit, flow.inspector2)
    deadline = clock.today() + timedelta(days=7)
    case_services.record_inspection_result(visit, flow.inspector1, "后厨排烟不达标", "rectify",
                                           rectify_deadline=deadline)
    visit = case_services.cosign_inspection(visit, flow.inspector2)
    assert visit.outcome == "rectify" and visit.rectify_deadline == deadline and visit.return_comment == ""
    assert stage(case) == Stage.INSPECTION
    assert actions(case) == ["inspection_scheduled", "inspection_recorded", "inspection_record_returned",
                             "inspection_recorded", "inspection_result"]


def test_a_merged_visit_fails_both_cases_only_after_the_cosignature(flow):
    first, second = flow.bundle_cases(2, inspection=True)
    for _ in range(2):
        case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需勘验")
    third = make_person(Role.APPROVAL_OFFICER, "孙勘验", section=flow.section)
    visit = case_services.schedule_inspection([first, second], clock.today(), "现场", [*flow.inspectors, third],
                                              flow.certifier)
    case_services.record_inspection_result(visit, third, "不具备经营条件", "fail")
    assert {stage(first), stage(second)} == {Stage.INSPECTION}
    case_services.cosign_inspection(visit, flow.inspector1)  # any other inspector of the visit
    assert {stage(first), stage(second)} == {Stage.DECISION}


def test_the_database_refuses_a_cosigner_who_recorded(flow):
    case = at_inspection(flow)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    case_services.record_inspection_result(visit, flow.inspector1, "合格", "pass")
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=visit.pk).update(outcome="pass", proposed_outcome="",
                                                      cosigned_by=flow.inspector1, cosigned_at=timezone.now())


def test_my_inspections_offers_cosign_and_return_to_the_other_inspector_only(client, flow):
    from django.urls import reverse

    case = at_inspection(flow)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    client.force_login(flow.inspector1)
    body = client.get(reverse("approvals:case_inspections")).content.decode()
    assert 'data-testid="record-result"' in body and 'data-testid="cosign"' not in body
    case_services.record_inspection_result(visit, flow.inspector1, "合格", "pass")
    body = client.get(reverse("approvals:case_inspections")).content.decode()
    assert "待会签" in body and 'data-testid="record-result"' not in body and 'data-testid="cosign"' not in body
    client.force_login(flow.inspector2)
    body = client.get(reverse("approvals:case_inspections")).content.decode()
    assert 'data-testid="cosign"' in body and 'data-testid="return"' in body
    url = reverse("approvals:case_inspection_cosign", args=[visit.pk])
    response = client.post(url, {"case": case.pk, "back": "list", "cosign-decision": "return"}, follow=True)
    assert "退回须写明意见" in response.content.decode()
    assert Inspection.objects.get(pk=visit.pk).proposed_outcome == "pass"
    response = client.post(url, {"case": case.pk, "back": "list", "cosign-decision": "return",
                                 "cosign-comment": "现场消毒柜未通电，结论待复核"}, follow=True)
    assert "已退回勘验记录" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("approvals:case_inspections")
    client.force_login(flow.inspector1)
    page = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
    assert "现场消毒柜未通电" in page and 'data-testid="action-result"' in page
