"""In a real headless Chromium (issue 13 item 4, "Done when": two-inspector co-signature): before the visit's date
我的勘验 says from when a result may be recorded; on the date inspector 1 records it from 我的勘验, it waits
(待会签) until inspector 2 co-signs (会签) in 我的勘验, and only then the case moves on to the decision."""
from datetime import timedelta

import pytest

from approvals.cases import services as case_services
from approvals.models import ApprovalCase, Inspection, Stage
from approvals.testing import Flow, visit_day_arrives
from portal import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_to(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(user.username)
    assert page.get_by_test_id("user-name").inner_text() == str(user)


def test_two_inspectors_record_and_cosign_a_visit_from_my_inspections(page, sign_in, live_server):
    flow = Flow.build()
    flow.case(inspection=True)
    case = case_services.take_next(flow.reviewer, "review")
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，需现场核查经营场所")
    tomorrow = clock.today() + timedelta(days=1)
    visit = case_services.schedule_inspection([case], tomorrow, "宝塔区枣园路 8 号", flow.inspectors, flow.certifier)

    # The day before: no record action, the list says from when.
    switch_to(page, sign_in, flow.inspector1)
    page.goto("/office/cases/inspections/")
    row = page.get_by_test_id("inspection-row").first
    assert row.get_by_test_id("record-result").count() == 0
    assert f"{tomorrow.isoformat()} 起可记录结果" in row.get_by_test_id("record-from").inner_text()

    # On the visit's date inspector 1 records the pass from 我的勘验.
    visit_day_arrives(visit)
    page.goto("/office/cases/inspections/")
    page.get_by_test_id("record-result").first.click()
    page.wait_for_load_state("domcontentloaded")
    result = page.get_by_test_id("action-result")
    result.locator("input[name=result-outcome][value=pass]").check()
    result.locator("textarea[name=result-findings]").fill("经营场所布局合理，设施设备与申报一致。")
    result.get_by_role("button", name="提交勘验结果").click()
    page.wait_for_load_state("domcontentloaded")
    assert "待另一名勘验人员会签" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("awaiting-cosign").is_visible()
    assert ApprovalCase.objects.get(pk=case.pk).stage == Stage.INSPECTION
    page.goto("/office/cases/inspections/")
    assert page.get_by_test_id("cosign").count() == 0  # the recorder may not co-sign

    # Inspector 2 sees 会签 in 我的勘验 and co-signs; the case moves on to the decision.
    switch_to(page, sign_in, flow.inspector2)
    page.goto("/office/cases/inspections/")
    row = page.get_by_test_id("inspection-row").first
    assert "待会签" in row.get_by_test_id("inspection-actions").inner_text()
    row.get_by_test_id("cosign").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已会签" in page.locator(".messages").inner_text()
    visit = Inspection.objects.get(pk=visit.pk)
    assert visit.outcome == "pass" and visit.recorded_by == flow.inspector1 and visit.cosigned_by == flow.inspector2
    assert ApprovalCase.objects.get(pk=case.pk).stage == Stage.DECISION
    page.goto(f"/office/cases/{case.pk}/")
    history = page.get_by_test_id("history").inner_text()
    assert "记录勘验结果（待会签）" in history and "勘验结果会签生效" in history
