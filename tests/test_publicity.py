"""The public listing of licensing decisions (双公示, approvals.publicity): masking (pure), what is listed and
how (decisions built through the real services), filters, keyset pages, the CSV export, anonymous access and
the page's query count."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import checks
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from applications import services as app_services
from applications import testing as app_testing
from approvals.cases import services as case_services
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, Decision, Notice, Stage
from approvals.publicity import selectors
from approvals.publicity.checks import issuer_credit_code
from approvals.publicity.views import COLUMNS, csv_cell
from approvals.testing import Flow, make_person
from catalog.models import Item
from catalog.testing import make_department
from portal import clock, outbox
from portal.identifiers import credit_code_check_char, is_valid_credit_code
from portal.masking import COMPOUND_SURNAMES, SEPARATORS, mask_id_number, mask_name, mask_text
from portal.roles import Role

BEIJING = timezone.get_fixed_timezone(8 * 60)


# --- masking (pure) ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, masked", [
    ("张", "*"),
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("张三丰二", "张***"),
    ("爱新觉罗溥仪", "爱*****"),  # not a listed compound family name: one character kept
    ("欧阳修", "欧阳*"),
    ("欧阳振华", "欧阳**"),
    ("司马相如", "司马**"),
    ("诸葛亮", "诸葛*"),
    ("欧阳", "欧*"),  # nothing after the compound: a surname 欧 and a given name 阳
    ("阿依古丽·买买提", "阿***·***"),
    ("John Smith", "J*** *****"),
    ("  李四  ", "李*"),
    ("", ""),
    (None, ""),
    ("   ", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@given(st.text(max_size=12))
def test_mask_name_keeps_the_shape_and_at_most_the_family_name(name):
    masked = mask_name(name)
    stripped = name.strip()
    assert len(masked) == len(stripped)
    for i, ch in enumerate(masked):
        assert ch == "*" or ch == stripped[i]
    letters = [i for i, ch in enumerate(stripped) if ch not in SEPARATORS]
    kept = [i for i in letters if masked[i] != "*"]
    # The first letter (two for a compound family name with a given name after it) at most; never every letter.
    assert kept in (letters[:0], letters[:1], letters[:2])
    if len(kept) == 2:
        assert letters[:2] == [0, 1] and stripped[:2] in COMPOUND_SURNAMES and len(letters) >= 3
    assert len(kept) < len(letters) or not letters


@pytest.mark.parametrize("value, masked", [
    ("610602199003150021", "6****************1"),
    ("61060219900315002X", "6****************X"),
    ("610602900315002", "6*************2"),  # a 15-digit number of the old cards
    ("E1234567", "E******7"),
    ("12345", "*****"),
    ("1", "*"),
    ("", ""),
    (None, ""),
])
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@given(st.text(alphabet="0123456789X", min_size=6, max_size=20))
def test_mask_id_number_shows_two_characters_at_most(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value) and masked[0] == value[0] and masked[-1] == value[-1]
    assert set(masked[1:-1]) == {"*"}


def test_mask_text_hides_the_full_name_and_number_in_free_text():
    text = "张三丰（610602199003150021）经营的三丰小吃店"
    assert mask_text(text, name="张三丰", id_number="610602199003150021") == "张**（6****************1）经营的三丰小吃店"
    assert mask_text("热食类食品制售", name="张三丰") == "热食类食品制售"
    assert mask_text("", name="张三丰") == ""


def test_holder_category():
    assert selectors.holder_category("111", "610602199003150021") == selectors.NATURAL_PERSON
    assert selectors.holder_category("001", "91610602MA0000001X") == selectors.ORGANISATION
    assert selectors.holder_category("001", "92610602MA0000001X") == selectors.INDIVIDUAL_BUSINESS
    assert selectors.holder_category("", "") == selectors.NATURAL_PERSON  # unknown: masked


def test_csv_cell_guards_formulas():
    for dangerous in ("=1+2", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("宝塔区小吃店") == "宝塔区小吃店" and csv_cell(None) == "" and csv_cell("a=b") == "a=b"


def test_the_issuer_credit_code_is_checked(settings):
    assert is_valid_credit_code(settings.ISSUER_CREDIT_CODE) and issuer_credit_code() == []
    settings.ISSUER_CREDIT_CODE = "11610602MB0000001D"  # wrong check character
    assert [e.id for e in issuer_credit_code()] == ["publicity.E001"]
    assert any(isinstance(e, checks.Error) for e in issuer_credit_code())


# --- building decisions through the services ---------------------------------------------------------------------


@pytest.fixture
def flow(db):
    return Flow.build()


def decide(flow, *, applicant=None, user=None, item=None, approve=True, certificate=None, reasons="不符合条件"):
    """A case of `item` (a new one by default) for the applicant, reviewed and decided by the flow's people."""
    user = user or flow.applicant_user
    item = item or flow.item()
    application = app_testing.submitted_application(user, applicant, item=item)
    intake_services.accept(application, flow.clerk)
    case = ApprovalCase.objects.get(application=application)
    case = case_services.claim_case(case, flow.reviewer)
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
    return case_services.decide(case, flow.certifier, approve, certificate=certificate, reasons=reasons)


def person(name: str):
    user = make_person(Role.APPLICANT, name)
    return user, app_testing.make_person(user, name)


def enterprise(user, name="延安市宝塔餐饮管理有限公司", legal_rep="王建国", code=None):
    return app_services.add_enterprise(user, name=name, credit_code=code or app_testing.credit_code(),
                                       legal_representative=legal_rep)


def instant_clerk():
    clerk = make_person(Role.WINDOW_CLERK, "窗口组长")
    clerk.user_permissions.add(Permission.objects.get(codename="decide_instant", content_type__app_label="approvals"))
    return type(clerk).objects.get(pk=clerk.pk)


def listing(client=None, **params):
    return (client or Client()).get(reverse("publicity:index"), params)


def rows_of(response) -> str:
    return response.content.decode()


def export(client=None, **params):
    response = (client or Client()).get(reverse("publicity:export"), params)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


# --- what is listed ---------------------------------------------------------------------------------------------------


def test_a_just_made_decision_is_listed_at_once_for_anyone_with_its_record(flow):
    ent = enterprise(flow.applicant_user)
    decision = decide(flow, applicant=ent, certificate={"scope": "热食类食品制售"})
    response = listing()
    assert response.status_code == 200
    body = rows_of(response)
    assert decision.notice.number in body and "延安市宝塔餐饮管理有限公司" in body and ent.id_number in body
    assert f'href="{reverse("publicity:detail", args=[decision.notice.public_id])}"' in body
    detail = Client().get(reverse("publicity:detail", args=[decision.notice.public_id]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "王建国" in page and "法人及非法人组织" in page and "热食类食品制售" in page
    due = clock.add_working_days(decision.decided_at, 7)
    assert f"{due:%Y-%m-%d} 前" in page  # publish_due: 7 working days after the decision day
    record = selectors.notice_records(decision.notice.public_id)[0]
    assert record.publish_due == due and record.decided_on == timezone.localdate(decision.decided_at)


def test_a_natural_persons_name_and_id_never_appear_unmasked_in_the_page_the_record_or_the_csv(flow):
    user, holder = person("欧阳振华")
    decision = decide(flow, applicant=holder, user=user,
                      certificate={"scope": "欧阳振华经营的小吃店，证件号" + holder.id_number,
                                   "certificate_name": "食品经营许可证（欧阳振华）"})
    number = holder.id_number
    secrets = [holder.name.encode(), number.encode(), number[:6].encode() + b"********" + number[-4:].encode(),
               number[6:14].encode()]
    pages = [listing().content, Client().get(reverse("publicity:detail", args=[decision.notice.public_id])).content,
             export()]
    for content in pages:
        for secret in secrets:
            assert secret not in content, secret
    assert "欧阳**".encode() in pages[0] and "欧阳**".encode() in pages[1] and "自然人".encode() in pages[1]
    assert mask_id_number(number).encode() in pages[1]
    row = csv_rows(pages[2])[0]
    assert (row["行政相对人名称"], row["行政相对人类别"], row["证件类型"], row["证件号码"], row["统一社会信用代码"]) == (
        "欧阳**", "自然人", "居民身份证", mask_id_number(number), "")
    assert row["许可内容"].startswith("欧阳**经营的小吃店") and "食品经营许可证（欧阳**）" == row["许可证书名称"]
    # A natural person cannot be found by name or number (the listing is no oracle for a full name).
    assert decision.notice.number not in rows_of(listing(q="欧阳振华"))
    assert decision.notice.number not in rows_of(listing(q=number))


def test_an_individual_business_shows_its_name_and_masks_its_operator(flow):
    code = "92610602MA0000012"
    code += credit_code_check_char(code)
    shop = enterprise(flow.applicant_user, name="宝塔区丽华小吃店", legal_rep="李丽华", code=code)
    decision = decide(flow, applicant=shop, certificate={"scope": "李丽华经营热食类食品"})
    record = selectors.notice_records(decision.notice.public_id)[0]
    assert (record.holder_name, record.category, record.credit_code, record.legal_representative) == (
        "宝塔区丽华小吃店", selectors.INDIVIDUAL_BUSINESS, code, "李**")
    assert record.scope == "李**经营热食类食品"
    assert "李丽华".encode() not in export()


def test_a_decision_on_the_spot_is_listed_with_its_notice_and_the_applicant_as_holder(flow):
    ent = enterprise(flow.applicant_user, name="延安市枣园商贸有限公司")
    item = app_testing.make_item("个体工商户名称登记", instant=True, materials=["名称申报书"])
    Item.objects.filter(pk=item.pk).update(certificate_name="名称登记通知书")
    application = app_testing.submitted_application(flow.applicant_user, ent, item=item)
    notices = intake_services.accept_and_decide_instant(application, instant_clerk())
    instant = notices[-1]
    assert instant.kind == Notice.Kind.INSTANT_DECISION
    assert not Decision.objects.filter(case__application=application).exists()  # no Decision row on the spot
    found = selectors.notice_records(instant.public_id)
    assert len(found) == 1
    record = found[0]
    assert (record.holder_name, record.credit_code, record.legal_representative, record.document_number) == (
        "延安市枣园商贸有限公司", ent.id_number, "王建国", instant.number)
    assert record.instant and record.item_name == "个体工商户名称登记" and record.scope == "个体工商户名称登记"
    assert not record.validity_recorded and record.valid_until is None and not record.long_term
    assert "当场作出决定" in record.remarks
    assert instant.number in rows_of(listing())
    assert instant.number in rows_of(listing(q="枣园商贸")) and instant.number in rows_of(listing(q=instant.number))
    row = csv_rows(export())[0]
    assert row["行政许可决定文书号"] == instant.number and row["有效期至"] == "" and row["备注"] == "当场作出决定"


def test_denials_are_listed_only_when_the_setting_says_so_and_the_outcome_filter_works(flow, settings):
    approval = decide(flow, applicant=enterprise(flow.applicant_user, name="甲公司有限公司"))
    denial = decide(flow, applicant=enterprise(flow.applicant_user, name="乙公司有限公司"), approve=False,
                    reasons="经营场所与申请材料不符")
    body = rows_of(listing())
    assert approval.notice.number in body and denial.notice.number not in body
    assert Client().get(reverse("publicity:detail", args=[denial.notice.public_id])).status_code == 404
    assert 'name="outcome"' not in body
    settings.PUBLICITY_LIST_DENIALS = True
    body = rows_of(listing())
    assert approval.notice.number in body and denial.notice.number in body and 'name="outcome"' in body
    denied_only = rows_of(listing(outcome="deny"))
    assert denial.notice.number in denied_only and approval.notice.number not in denied_only
    record = selectors.notice_records(denial.notice.public_id)[0]
    assert record.outcome == "deny" and record.holder_name == "乙公司有限公司" and record.scope == ""
    assert "经营场所与申请材料不符" not in Client().get(
        reverse("publicity:detail", args=[denial.notice.public_id])).content.decode()  # reasons stay private
    rows = {r["行政许可决定文书号"]: r for r in csv_rows(export())}
    assert rows[denial.notice.number]["备注"] == "不予行政许可" and rows[denial.notice.number]["许可类别"] == ""


def test_only_licensing_items_are_listed_and_withdrawn_applications_keep_their_decisions(flow):
    other = flow.item()
    confirmation = decide(flow, item=other)
    Item.objects.filter(pk=other.pk).update(item_type="07")  # 行政确认: not a licensing decision
    assert confirmation.notice.number not in rows_of(listing())
    assert Client().get(reverse("publicity:detail", args=[confirmation.notice.public_id])).status_code == 404

    first, second = flow.bundle_cases(2)
    first = case_services.claim_case(first, flow.reviewer)
    first = case_services.complete_review(first, flow.reviewer, "符合条件")
    decision = case_services.decide(first, flow.certifier, True)
    app_services.withdraw(first.application, flow.applicant_user, "不再经营")
    outbox.drain()  # the withdrawal's event closes the other case (as the worker does)
    assert ApprovalCase.objects.get(pk=second.pk).stage == Stage.WITHDRAWN
    assert decision.notice.number in rows_of(listing())  # withdrawn afterwards: the decision stays public


def test_organisations_are_shown_in_full_and_the_csv_has_the_standards_columns(flow):
    ent = enterprise(flow.applicant_user, name="延安市延河建筑工程有限公司", legal_rep="赵建设")
    decision = decide(flow, applicant=ent, certificate={"scope": "=cmd|' /C calc'!A0"})
    response = Client().get(reverse("publicity:export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff行政相对人名称,行政相对人类别,统一社会信用代码,法定代表人".encode())
    rows = csv_rows(body)
    assert list(rows[0]) == [str(title) for title, _value in COLUMNS]
    row = rows[0]
    assert (row["行政相对人名称"], row["行政相对人类别"], row["统一社会信用代码"], row["法定代表人"]) == (
        "延安市延河建筑工程有限公司", "法人及非法人组织", ent.id_number, "赵建设")
    assert row["许可内容"] == "'=cmd|' /C calc'!A0"  # the CSV injection guard
    assert row["行政许可决定文书号"] == decision.notice.number and row["许可类别"] == "普通"
    assert row["许可决定日期"] == f"{timezone.localdate(decision.decided_at):%Y/%m/%d}"
    assert row["有效期自"] == f"{decision.valid_from:%Y/%m/%d}" and row["有效期至"] == f"{decision.valid_until:%Y/%m/%d}"
    assert row["许可机关"] == row["数据来源单位"] == "宝塔区行政审批服务局"
    assert is_valid_credit_code(row["许可机关统一社会信用代码"]) and row["当前状态"] == "有效"
    assert row["证件类型"] == row["证件号码"] == ""


def test_a_long_term_licence_is_valid_until_2099_in_the_csv(flow):
    decision = decide(flow, applicant=enterprise(flow.applicant_user), item=flow.item(validity_years=None))
    assert decision.valid_until is None
    assert csv_rows(export())[0]["有效期至"] == "2099/12/31"
    assert "长期" in rows_of(listing())


# --- filters, pages ---------------------------------------------------------------------------------------------------


def test_filters_department_item_dates_and_keyword(flow, monkeypatch):
    user = flow.applicant_user
    a = decide(flow, applicant=enterprise(user, name="延安市枣园餐饮管理有限公司"))
    b_item = flow.item()
    b = decide(flow, applicant=enterprise(user, name="延安市南泥湾农业科技有限公司"), item=b_item)
    other_department = make_department("县卫生健康局")
    Item.objects.filter(pk=b_item.pk).update(competent_department=other_department)
    ApprovalCase.objects.filter(pk=a.case_id).update(decided_at=datetime(2025, 3, 10, 10, tzinfo=BEIJING))
    ApprovalCase.objects.filter(pk=b.case_id).update(decided_at=datetime(2025, 3, 12, 23, 30, tzinfo=BEIJING))

    def shown(**params) -> set[str]:
        body = rows_of(listing(**params))
        return {d.notice.number for d in (a, b) if d.notice.number in body}

    everything = {a.notice.number, b.notice.number}
    assert shown() == everything
    assert shown(department=other_department.pk) == {b.notice.number}
    assert shown(item=b_item.pk) == {b.notice.number}
    assert shown(date_from="2025-03-11") == {b.notice.number}
    assert shown(date_to="2025-03-12") == everything  # the whole day, in Beijing time (23:30 counts)
    assert shown(date_from="2025-03-10", date_to="2025-03-10") == {a.notice.number}
    assert shown(date_from="2025-03-13", date_to="2025-03-01") == everything  # inverted: refused, not applied
    assert "截止日期不能早于起始日期" in rows_of(listing(date_from="2025-03-13", date_to="2025-03-01"))
    for id_limit in (selectors.KEYWORD_ID_LIMIT, 0):  # holders looked up first, or matched inside the query
        monkeypatch.setattr(selectors, "KEYWORD_ID_LIMIT", id_limit)
        assert shown(q="南泥湾") == {b.notice.number}
        assert shown(q="枣园 ") == {a.notice.number}
        assert shown(q="有限公司") == everything
        assert shown(q=a.notice.number) == {a.notice.number}
        assert shown(q=a.case.application.applicant.id_number.lower()) == {a.notice.number}
        assert shown(q="不存在的公司") == set()
    assert shown(department="x", item="999999") == everything  # invalid choices are ignored
    # The export takes the same filters.
    assert [r["行政许可决定文书号"] for r in csv_rows(export(q="南泥湾"))] == [b.notice.number]
    assert [r["行政许可决定文书号"] for r in csv_rows(export(date_to="2025-03-11"))] == [a.notice.number]


def test_keyset_pages_walk_every_row_once_in_both_directions(flow, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    user = flow.applicant_user
    item = flow.item()
    decisions = [decide(flow, applicant=enterprise(user, name=f"翻页测试{n}有限公司"), item=item) for n in range(5)]
    same = datetime(2025, 5, 6, 9, tzinfo=BEIJING)  # three at the same instant: the id breaks the tie
    ApprovalCase.objects.filter(pk__in=[d.case_id for d in decisions[1:4]]).update(decided_at=same)
    expected = [c.pk for c in ApprovalCase.objects.filter(pk__in=[d.case_id for d in decisions])
                .order_by("-decided_at", "-id")]

    seen, page, pages = [], selectors.page(), 0
    while True:
        pages += 1
        seen += [r.case_id for r in page.records]
        if page.older is None:
            break
        page = selectors.page(after=page.older)
    assert seen == expected and pages == 3 and len(page.records) == 1
    back = []
    while page.newer is not None:
        page = selectors.page(before=page.newer)
        back = [r.case_id for r in page.records] + back
    assert back == expected[:4] and page.first

    response = listing()
    assert response.status_code == 200 and 'data-testid="older-page"' in rows_of(response)
    assert 'data-testid="newer-page"' not in rows_of(response)
    second = listing(after=selectors.page().older)
    assert rows_of(second).count('data-testid="publicity-row"') == 2 and 'data-testid="newer-page"' in rows_of(second)
    for junk in ("x", "1-", "-1", "99999999999999999-1", ""):
        assert listing(after=junk).status_code == 200 and listing(before=junk).status_code == 200


def test_the_page_costs_the_same_few_queries_whatever_its_rows(flow, django_assert_max_num_queries):
    user = flow.applicant_user
    decide(flow, applicant=enterprise(user, name="查询计数一有限公司"))
    with django_assert_max_num_queries(4):
        assert listing().status_code == 200
    item = app_testing.make_item("查询计数即办", instant=True, materials=["名称申报书"])
    intake_services.accept_and_decide_instant(
        app_testing.submitted_application(user, enterprise(user, name="查询计数二有限公司"), item=item),
        instant_clerk())
    for n in range(3):
        decide(flow, applicant=enterprise(user, name=f"查询计数{n + 3}有限公司"))
    with django_assert_max_num_queries(4):  # departments, items, the rows, their items' facts
        response = listing()
    assert rows_of(response).count('data-testid="publicity-row"') == 5


def test_the_export_refuses_more_rows_than_its_limit(flow, monkeypatch):
    user = flow.applicant_user
    item = flow.item()
    for name in ("导出上限一有限公司", "导出上限二有限公司"):
        decide(flow, applicant=enterprise(user, name=name), item=item)
    monkeypatch.setattr(selectors, "EXPORT_LIMIT", 1)
    client = Client()
    response = client.get(reverse("publicity:export"), {"item": item.pk})
    assert response.status_code == 302 and response["Location"] == reverse("publicity:index") + f"?item={item.pk}"
    assert "超过 1 条" in rows_of(client.get(response["Location"]))
    assert len(csv_rows(export(q="导出上限一"))) == 1  # narrowed enough: exported
    monkeypatch.setattr(selectors, "EXPORT_LIMIT", 2)
    assert len(csv_rows(export(item=item.pk))) == 2


# --- access ---------------------------------------------------------------------------------------------------------


def test_anonymous_access_and_what_is_not_a_listed_decision(flow):
    decision = decide(flow, applicant=enterprise(flow.applicant_user))
    acceptance = Notice.objects.get(application=decision.case.application, kind=Notice.Kind.ACCEPTANCE)
    client = Client()
    assert client.get(reverse("publicity:index")).status_code == 200
    assert client.get(reverse("publicity:export")).status_code == 200
    assert client.get(reverse("publicity:detail", args=[decision.notice.public_id])).status_code == 200
    assert client.get(reverse("publicity:detail", args=[acceptance.public_id])).status_code == 404
    assert client.get(reverse("publicity:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get(f"/publicity/{decision.notice.pk}/").status_code == 404  # never by counting
    assert client.post(reverse("publicity:index")).status_code == 405
    # The public navigation links it, for visitors and for signed-in people alike.
    assert 'href="/publicity/"' in client.get(reverse("catalog:index")).content.decode()
    signed_in = Client()
    signed_in.force_login(flow.reviewer)
    assert 'href="/publicity/"' in signed_in.get(reverse("portal:home")).content.decode()


def test_a_decision_made_after_the_day_before_is_still_published_within_seven_working_days(flow):
    """The rule by construction: listed from the commit on, so `publish_due` is never before the day it showed."""
    decision = decide(flow, applicant=enterprise(flow.applicant_user))
    record = selectors.page().records[0]
    assert record.case_id == decision.case_id
    assert record.publish_due >= clock.today() + timedelta(days=7)  # 7 working days are at least 7 days
