"""In a real headless Chromium (issue 5, "Done when"): one bundle of two items (both need an on-site inspection,
one also legal review), accepted at intake, walks through review by officer A, one merged inspection of both
cases by inspectors B and C (each record co-signed by the other) with a rectification (photo evidence) and a re-inspection that passes, a decision on
each item by certifier D (a draft for the flagged one, which the legal reviewer passes, issue 13 item 3); the application arrives at the issuing window
(the applicant's page says so). Four different officers, as the four-way separation requires."""
from datetime import timedelta



from applications import testing as app_testing
from applications.testing import JPEG_BYTES
from applications.models import Application, Status
from approvals.models import ApprovalCase, Inspection, Stage
from approvals.testing import Flow
from portal import clock

JPEG = JPEG_BYTES  # a real photo: evidence must decode, not only start like a JPEG


def switch_to(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(user.username)
    assert page.get_by_test_id("user-name").inner_text() == str(user)


def take_next(page, stage: str) -> int:
    page.goto(f"/office/cases/?stage={stage}")
    page.get_by_test_id("take-next").click()
    page.wait_for_load_state("domcontentloaded")
    return int(page.get_by_test_id("case-page").get_attribute("data-case"))


def stage_of(page) -> str:
    return page.get_by_test_id("case-page").get_attribute("data-stage")


def test_a_bundle_walks_from_acceptance_through_every_stage_to_the_issuing_window(page, sign_in, live_server):
    flow = Flow.build()
    hygiene = flow.item(inspection=True, legal=True, name="公共场所卫生许可")
    food = flow.item(inspection=True, name="食品经营许可")
    application = flow.accepted(bundle=app_testing.make_bundle("我要开饭店", [hygiene, food]))
    cases = list(ApprovalCase.objects.filter(application=application).order_by("id"))
    assert len(cases) == 2 and all(c.stage == Stage.RECEIVED for c in cases)
    today = clock.today().isoformat()

    # Officer A reviews both cases, taking them one by one from the review queue.
    switch_to(page, sign_in, flow.reviewer)
    page.goto("/office/cases/?stage=review")
    assert page.get_by_test_id("case-row").count() == 2
    for _ in cases:
        take_next(page, "review")
        page.fill("textarea[name=review-opinion]", "申请材料齐全，符合法定形式，需现场核查经营场所。")
        page.get_by_role("button", name="审查通过，转下一环节").click()
        page.wait_for_load_state("domcontentloaded")
        assert "已转入“现场勘验”环节" in page.locator(".messages").inner_text()
    page.goto("/office/cases/?stage=review")
    assert page.get_by_test_id("queue-empty").is_visible()

    # Inspector B plans one visit for both cases at the same site (合并勘验) with inspector C.
    switch_to(page, sign_in, flow.inspector1)
    first = take_next(page, "inspection")
    other = next(c.pk for c in cases if c.pk != first)
    form = page.get_by_test_id("action-inspect")
    assert form.locator(f"input[name=inspect-inspectors][value='{flow.reviewer.pk}']").count() == 0  # 四分离
    form.locator("input[name=inspect-scheduled_on]").fill(today)
    form.locator("input[name=inspect-place]").fill("宝塔区枣园路 8 号丽华小吃店")
    form.locator(f"input[name=inspect-inspectors][value='{flow.inspector1.pk}']").check()
    form.locator(f"input[name=inspect-inspectors][value='{flow.inspector2.pk}']").check()
    form.locator(f"input[name=inspect-others][value='{other}']").check()
    form.get_by_role("button", name="安排勘验").click()
    page.wait_for_load_state("domcontentloaded")
    assert "（2 件）" in page.locator(".messages").inner_text()
    assert "合并勘验 2 件" in page.get_by_test_id("inspections").inner_text()

    # Inspector C finds the extraction inadequate: rectify within a week, with a photo.
    switch_to(page, sign_in, flow.inspector2)
    page.goto("/office/cases/inspections/")
    page.get_by_test_id("inspection-row").first.locator("a").first.click()
    page.wait_for_load_state("domcontentloaded")
    result = page.get_by_test_id("action-result")
    result.locator("input[name=result-outcome][value=rectify]").check()
    result.locator("textarea[name=result-findings]").fill("后厨排烟设施不符合要求，需加装油烟净化装置。")
    result.locator("input[name=result-rectify_deadline]").fill((clock.today() + timedelta(days=7)).isoformat())
    result.locator("input[name=result-evidence]").set_input_files(
        {"name": "后厨排烟.jpg", "mimeType": "image/jpeg", "buffer": JPEG})
    result.get_by_role("button", name="提交勘验结果").click()
    page.wait_for_load_state("domcontentloaded")
    assert "限期整改" in page.locator(".messages").inner_text()
    evidence = page.get_by_test_id("evidence").first
    assert evidence.inner_text() == "后厨排烟.jpg"
    response = page.request.get(evidence.get_attribute("href"))
    assert response.status == 200 and response.body() == JPEG

    # Inspector B co-signs C's record from 我的勘验 (会签): now the rectification takes effect.
    switch_to(page, sign_in, flow.inspector1)
    page.goto("/office/cases/inspections/")
    page.get_by_test_id("cosign").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert "已会签" in page.locator(".messages").inner_text()

    # Inspector B plans the re-inspection (same inspectors) and records the pass.
    page.goto(f"/office/cases/{first}/")
    again = page.get_by_test_id("action-reinspect")
    again.locator("input[name=reinspect-scheduled_on]").fill(today)
    again.get_by_role("button", name="安排复查").click()
    page.wait_for_load_state("domcontentloaded")
    result = page.get_by_test_id("action-result")
    result.locator("input[name=result-outcome][value=pass]").check()
    result.locator("textarea[name=result-findings]").fill("已加装油烟净化装置，整改到位。")
    result.get_by_role("button", name="提交勘验结果").click()
    page.wait_for_load_state("domcontentloaded")
    assert "合格" in page.locator(".messages").inner_text()
    # Inspector C co-signs it on the case page.
    switch_to(page, sign_in, flow.inspector2)
    page.goto(f"/office/cases/{first}/")
    cosign = page.get_by_test_id("action-cosign")
    cosign.locator("input[name=cosign-decision][value=cosign]").check()
    cosign.get_by_role("button", name="提交会签意见").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已会签" in page.locator(".messages").inner_text()
    assert Inspection.objects.count() == 2 and Inspection.objects.filter(outcome="pass").count() == 1
    stages = {c.item_id: c.stage for c in ApprovalCase.objects.filter(application=application)}
    assert stages == {hygiene.pk: Stage.DECISION, food.pk: Stage.DECISION}  # legal review reads a draft

    # Certifier D decides each item, the certificate data pre-filled from the item and the applicant; the
    # flagged one's decision is a draft for legal review.
    switch_to(page, sign_in, flow.certifier)
    for _ in cases:
        pk = take_next(page, "decision")
        flagged = ApprovalCase.objects.get(pk=pk).item_id == hygiene.pk
        decide = page.get_by_test_id("action-decide")
        assert decide.locator("input[name=decide-holder_name]").input_value() == "张丽华"
        assert "行政复议" in decide.get_by_test_id("appeal-rights").inner_text()
        decide.locator("input[name=decide-result][value=approve]").check()
        decide.locator("textarea[name=decide-opinion]").fill("同意准予许可。")
        decide.get_by_role("button", name="提交法制审核" if flagged else "作出决定").click()
        page.wait_for_load_state("domcontentloaded")
        if flagged:
            assert "决定草稿已提交法制审核" in page.locator(".messages").inner_text()
            assert stage_of(page) == "legal_review"
        else:
            assert "已作出准予许可决定" in page.locator(".messages").inner_text()
            assert stage_of(page) == "approved"

    # The legal reviewer reads the draft and passes it: the decision is made then.
    switch_to(page, sign_in, flow.legal)
    take_next(page, "legal_review")
    assert "准予许可" in page.get_by_test_id("decision-draft").inner_text()
    legal = page.get_by_test_id("action-legal")
    legal.locator("input[name=legal-result][value=approve]").check()
    legal.locator("textarea[name=legal-comments]").fill("主体合法、事实清楚、依据充分、程序合法。")
    legal.get_by_role("button", name="提交审核意见").click()
    page.wait_for_load_state("domcontentloaded")
    assert stage_of(page) == "approved"
    assert "准予许可" in page.get_by_test_id("decision").inner_text()
    history = page.get_by_test_id("history").inner_text()
    for step in ("受理，案件生成", "审查", "安排现场勘验", "记录勘验结果", "准予许可"):
        assert step in history

    # Four different officers did the work; the application is at the issuing window.
    for case in ApprovalCase.objects.filter(application=application):
        people = {case.accepted_by_id, case.reviewer_id, case.decided_by_id}
        assert len(people) == 3 and flow.reviewer.pk in people and flow.certifier.pk in people
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED
    switch_to(page, sign_in, flow.applicant_user)
    page.goto(f"/applications/{application.pk}/")
    assert page.get_by_test_id("status").inner_text() == "已作出决定，待统一出件"



def test_legal_review_of_a_drafted_denial(page, sign_in, live_server):
    """Issue 13 item 3: the certifier drafts a denial, the legal reviewer sees the draft's reasons and passes it;
    only then is the denial decided and its notice issued."""
    from approvals.cases import services as case_services
    from approvals.models import Decision, Notice

    flow = Flow.build()
    case = flow.case(legal=True)
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "材料齐全")
    assert case.stage == Stage.DECISION
    reasons = "经营场所位于居民楼内，不符合公共场所卫生要求。"

    switch_to(page, sign_in, flow.certifier)
    take_next(page, "decision")
    decide = page.get_by_test_id("action-decide")
    assert "提交的是决定草稿" in decide.inner_text()
    decide.locator("input[name=decide-result][value=deny]").check()
    decide.locator("textarea[name=decide-reasons]").fill(reasons)
    decide.get_by_role("button", name="提交法制审核").click()
    page.wait_for_load_state("domcontentloaded")
    assert "决定草稿已提交法制审核" in page.locator(".messages").inner_text()
    assert stage_of(page) == "legal_review"
    assert not Decision.objects.filter(case=case).exists()
    assert not Notice.objects.filter(application=case.application, kind=Notice.Kind.DENIAL).exists()

    switch_to(page, sign_in, flow.legal)
    take_next(page, "legal_review")
    draft = page.get_by_test_id("decision-draft")
    assert "不予许可" in draft.inner_text() and reasons in draft.get_by_test_id("draft-reasons").inner_text()
    legal = page.get_by_test_id("action-legal")
    legal.locator("input[name=legal-result][value=approve]").check()
    legal.get_by_role("button", name="提交审核意见").click()
    page.wait_for_load_state("domcontentloaded")
    assert "法制审核通过，决定已作出" in page.locator(".messages").inner_text()
    assert stage_of(page) == "denied"
    assert reasons in page.get_by_test_id("decision").inner_text()
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.decided_by) == ("deny", flow.certifier)
    assert decision.notice.kind == Notice.Kind.DENIAL
    history = page.get_by_test_id("history").inner_text()
    assert "拟定决定草稿" in history and "法制审核通过" in history and "不予许可" in history
