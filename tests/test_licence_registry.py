"""The licence registry (电子证照库, issue 11 item 6): the holder's page (/licences/) lists the licences of the
applicants an account stands for with their standing today, the PDF and the verification link; the back office
searches the registry by the holder's citizen ID or credit code, a licence number, an electronic licence id or the
start of the holder's name, every search audited with the query masked; and a material a licence proves is taken
from the registry when the applicant holds that licence valid (no upload), recorded on the application, checked
again at intake."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications import selectors as app_selectors
from applications import services as app_services
from applications import testing as app_testing
from applications.models import Application, Status
from approvals.cases import services as case_services
from approvals.certificates import selectors
from approvals.certificates import services as certificate_services
from approvals.certificates.documents import render_certificate_pdf
from approvals.certificates.models import Certificate
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase
from approvals.testing import Flow, make_person
from catalog import rules as catalog_rules
from catalog import services as catalog_services
from portal import clock
from portal.errors import DomainError
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db

MINE = "licences:mine"
SEARCH = "approvals:licence_search"


@pytest.fixture
def flow(db):
    return Flow.build()


@pytest.fixture
def owner(flow):
    """The demo applicant of the flow, with her own identity (the holder of the flow's certificates)."""
    app_testing.make_person(flow.applicant_user, "张丽华")
    return flow.applicant_user


def issue(flow, case=None, **values) -> Certificate:
    """A certificate on an accepted case of the flow (the owner's application unless `case` says otherwise), the
    owner as holder unless `values` names another."""
    case = case or flow.case()
    values = {**certificate_services.certificate_defaults(case), "certificate_name": "许可证", **values}
    return certificate_services.create_certificate(case, values, basis=Certificate.Basis.ON_THE_SPOT,
                                                   issued_by=flow.certifier, issued_at=timezone.now())


def approve(flow, case, **certificate):
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    case = case_services.claim_case(case, flow.certifier)
    decision = case_services.decide(case, flow.certifier, True, certificate=certificate or None, opinion="同意")
    return Certificate.objects.get(decision=decision)


def someone_else(flow, name="王其他"):
    """Another applicant-side account with its own identity, and an accepted case of its own."""
    user = make_person(Role.APPLICANT, name)
    applicant = app_testing.make_person(user, name)
    application = app_testing.submitted_application(user, applicant, item=flow.item())
    intake_services.accept(application, flow.clerk)
    return user, applicant, ApprovalCase.objects.get(application=application)


def numbers(response) -> list[str]:
    return [row.certificate.licence_number for row in _rows(response)]


def _rows(response):
    from types import SimpleNamespace

    return [SimpleNamespace(**row) for row in response.context["rows"]]


# --- the holder's page -------------------------------------------------------------------------------------------


def test_the_holder_sees_her_licences_and_not_anyone_elses(client, flow, owner):
    mine = issue(flow)
    _other_user, other_applicant, other_case = someone_else(flow)
    theirs = issue(flow, other_case)
    assert theirs.holder_id_number == other_applicant.id_number
    client.force_login(owner)
    page = client.get(reverse(MINE))
    assert page.status_code == 200
    assert numbers(page) == [mine.licence_number]
    html = page.content.decode()
    assert mine.licence_number in html and theirs.licence_number not in html
    assert reverse("verify:certificate", args=[mine.electronic_id]) in html
    assert "有效" in html and mine.item.name in html


def test_a_licence_held_by_her_but_filed_by_someone_else_is_hers_to_list_and_download(client, flow, owner):
    own_applicant = app_testing.make_person(owner)
    _other_user, _applicant, other_case = someone_else(flow)
    # The certifier named her as the holder on an application she cannot see (e.g. transferred to her).
    held = issue(flow, other_case, holder_name=own_applicant.name, holder_id_number=own_applicant.id_number)
    assert not app_selectors.my_applications(owner).filter(pk=other_case.application_id).exists()
    render_certificate_pdf(held.pk)
    client.force_login(owner)
    assert numbers(client.get(reverse(MINE))) == [held.licence_number]
    download = client.get(reverse("approvals:certificate_pdf", args=[held.public_id]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_an_agent_sees_the_licences_of_whom_it_holds_a_consent_for_and_nothing_without_one(client, flow, owner):
    certificate = issue(flow)
    agent = make_person(Role.AGENT, "刘代办")
    client.force_login(agent)
    page = client.get(reverse(MINE))
    assert numbers(page) == [] and 'data-testid="empty"' in page.content.decode()
    render_certificate_pdf(certificate.pk)
    assert client.get(reverse("approvals:certificate_pdf", args=[certificate.public_id])).status_code == 404

    consent = app_services.grant_agent_consent(owner, app_testing.make_person(owner), agent, purpose="代办许可变更",
                                               valid_until=clock.today() + timedelta(days=30))
    assert numbers(client.get(reverse(MINE))) == [certificate.licence_number]
    assert client.get(reverse("approvals:certificate_pdf", args=[certificate.public_id])).status_code == 200
    app_services.revoke_agent_consent(consent, owner)
    assert numbers(client.get(reverse(MINE))) == []


def test_the_standing_reads_as_of_today(client, flow, owner):
    today = clock.today()
    case = flow.case()
    valid = issue(flow, case)
    expired = issue(flow, case, valid_from=today - timedelta(days=800), valid_until=today - timedelta(days=1))
    suspended = issue(flow, case)
    certificate_services.change_standing(suspended, flow.head, Certificate.Standing.SUSPENDED, "责令整改期间暂扣")
    revoked = issue(flow, case)
    certificate_services.revoke(revoked, flow.head, "以欺骗手段取得许可")
    old = issue(flow, case)
    new = certificate_services.correct(old, flow.certifier, {"scope": "热食类食品制售"}, "经营项目填写有误")
    client.force_login(owner)
    page = client.get(reverse(MINE))
    labels = {(row.certificate.pk): (row.reading, row.reading_label) for row in _rows(page)}
    assert labels == {
        valid.pk: ("valid", "有效"), expired.pk: ("expired", "已过期"), suspended.pk: ("suspended", "已暂扣"),
        revoked.pk: ("revoked", "已撤销"), old.pk: ("superseded", "已换发新证"), new.pk: ("valid", "有效"),
    }
    html = page.content.decode()
    for label in ("已过期", "已暂扣", "已撤销", "已换发新证"):
        assert label in html


def test_the_holders_page_pages_and_shows_an_empty_state(client, flow, owner):
    client.force_login(owner)
    page = client.get(reverse(MINE))
    assert 'data-testid="empty"' in page.content.decode()
    case = flow.case()
    for _ in range(23):
        issue(flow, case)
    first, second = client.get(reverse(MINE)), client.get(reverse(MINE), {"page": 2})
    assert len(numbers(first)) == 20 and len(numbers(second)) == 3
    assert not set(numbers(first)) & set(numbers(second))
    assert "第 1 / 2 页，共 23 条" in first.content.decode()


def test_the_holders_page_is_for_the_applicant_side_and_its_queries_do_not_grow(
        client, flow, owner, django_assert_max_num_queries):
    client.force_login(flow.clerk)
    assert client.get(reverse(MINE)).status_code == 403
    client.logout()
    assert client.get(reverse(MINE)).status_code == 302  # to the sign-in page
    client.force_login(owner)
    issue(flow)
    # session, user, roles, represented applicants, their ID numbers, visible applications, count, page, bell
    with django_assert_max_num_queries(9):
        assert len(numbers(client.get(reverse(MINE)))) == 1
    case = flow.case()
    for _ in range(8):
        issue(flow, case)
    with django_assert_max_num_queries(9):
        assert len(numbers(client.get(reverse(MINE)))) == 9


def test_the_home_page_and_the_application_page_link_to_the_licences(client, flow, owner):
    certificate = approve(flow, flow.case())
    render_certificate_pdf(certificate.pk)
    client.force_login(owner)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="panel-my-licences"' in home and reverse(MINE) in home
    detail = client.get(reverse("applications:detail", args=[certificate.application_id])).content.decode()
    assert 'data-testid="licences"' in detail and certificate.licence_number in detail
    assert reverse("approvals:certificate_pdf", args=[certificate.public_id]) in detail
    assert reverse("verify:certificate", args=[certificate.electronic_id]) in detail
    certificate_services.revoke(certificate, flow.head, "以欺骗手段取得许可")
    detail = client.get(reverse("applications:detail", args=[certificate.application_id])).content.decode()
    assert 'data-standing="revoked"' in detail  # read today, not as issued


# --- the staff search -------------------------------------------------------------------------------------------


def search(client, q, **params):
    return client.get(reverse(SEARCH), {"q": q, **params})


def test_staff_find_a_licence_by_each_mode_and_every_search_is_audited_masked(client, flow, owner):
    person = issue(flow)
    enterprise_code = app_testing.credit_code()
    enterprise = issue(flow, holder_name="延安市宝塔区聚福楼餐饮有限公司", holder_id_type="001",
                       holder_id_number=enterprise_code)
    citizen_id = person.holder_id_number
    client.force_login(flow.clerk)
    typed_id = " ".join([citizen_id[:6], citizen_id[6:14], citizen_id[14:].lower()]).replace("1", "１", 1)
    cases = [
        (typed_id, "holder_id", person),                                     # spaces, full width, lower-case x
        (enterprise_code.lower(), "holder_id", enterprise),                  # credit code, as typed
        (person.licence_number.replace("〔", "[").replace("〕", "]").rstrip("号"), "licence_number", person),
        (enterprise.electronic_id.lower(), "electronic_id", enterprise),
        ("延安市宝塔", "holder_name", enterprise),
        (person.holder_name[:2], "holder_name", person),
    ]
    for typed, mode, expected in cases:
        page = search(client, typed)
        assert page.status_code == 200, (typed, page.content.decode()[:300])
        assert page.context["query"].mode == mode
        assert numbers(page) == [expected.licence_number], typed
        assert reverse("verify:certificate", args=[expected.electronic_id]) in page.content.decode()
    rows = list(AuditEvent.objects.filter(action="licence_registry_search").order_by("id"))
    assert len(rows) == len(cases)
    assert [r.data["mode"] for r in rows] == [m for _t, m, _e in cases]
    assert rows[0].data["query"] == citizen_id[:6] + "********" + citizen_id[-4:]
    assert rows[0].data["shown"] == [str(person.public_id)] and rows[0].actor_id == flow.clerk.pk
    assert rows[4].data["query"] == "延****"
    every = " ".join(str(r.data) + r.opinion for r in AuditEvent.objects.all())
    assert citizen_id not in every and citizen_id.lower() not in every


def test_a_malformed_number_gets_a_chinese_message_and_no_search(client, flow):
    from portal.identifiers import citizen_id_check_char, citizen_id_problem

    client.force_login(flow.clerk)
    body = "61060219900315002"
    wrong_check = body + next(c for c in "0123456789X" if c != citizen_id_check_char(body))
    problems = {
        wrong_check: "末位校验码不正确",
        "61060219900315002": "应为18位",
        "1.2.156.3005.2.x": "电子证照标识",
        "张": "至少输入两个字",
        "abc": "请输入持证主体的18位居民身份证号码",
    }
    assert citizen_id_problem(wrong_check) is not None
    for typed, words in problems.items():
        page = search(client, typed)
        assert page.status_code == 400, typed
        assert words in page.content.decode(), (typed, page.context["query"].error)
    assert not AuditEvent.objects.filter(action="licence_registry_search").exists()
    assert search(client, "").status_code == 200  # the empty form


def test_the_search_is_for_the_back_office_only(client, flow, owner):
    for role in (Role.DEPARTMENT_USER, Role.APPLICANT, Role.AGENT):
        client.force_login(make_person(role, "某人"))
        assert search(client, "宝塔").status_code == 403, role
    for user in (flow.clerk, flow.reviewer, flow.head, flow.leader, flow.legal, make_person(Role.ADMINISTRATOR, "管理员")):
        client.force_login(user)
        assert search(client, "宝塔").status_code == 200, user
    client.logout()
    assert search(client, "宝塔").status_code == 302
    assert AuditEvent.objects.filter(action="licence_registry_search").count() == 6


def test_the_pdf_link_shows_only_where_the_person_may_download_it(client, flow, owner):
    certificate = issue(flow)
    render_certificate_pdf(certificate.pk)
    pdf = reverse("approvals:certificate_pdf", args=[certificate.public_id])
    client.force_login(flow.leader)  # sees every application
    assert pdf in search(client, certificate.licence_number).content.decode()
    client.force_login(make_person(Role.APPROVAL_OFFICER, "外科室审批员"))  # no section: cannot see the application
    page = search(client, certificate.licence_number).content.decode()
    assert certificate.licence_number in page and pdf not in page
    assert client.get(pdf).status_code == 404


def test_the_search_pages_and_its_queries_do_not_grow(client, flow, owner, django_assert_max_num_queries):
    case = flow.case()
    for _ in range(3):
        issue(flow, case)
    client.force_login(flow.reviewer)
    # session, user, roles, count, page, the PDF check (3: sections, representations, ids), the audit row in its
    # savepoint (3), bell
    with django_assert_max_num_queries(12):
        assert len(numbers(search(client, "张丽"))) == 3
    for _ in range(22):
        issue(flow, case)
    with django_assert_max_num_queries(12):
        page = search(client, "张丽")
    assert len(numbers(page)) == 20 and "共 25 条" in page.content.decode()
    assert len(numbers(search(client, "张丽", page=2))) == 5


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # with a few rows a scan is cheaper; is an index usable?
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def test_each_search_mode_and_the_holders_page_are_served_by_an_index(flow, owner):
    certificate = issue(flow)
    expected = {
        "holder_id": (certificate.holder_id_number, "certificate_holder"),
        "licence_number": (certificate.licence_number, "certificate_number_version_unique"),
        "electronic_id": (certificate.electronic_id, "electronic_id"),
        "holder_name": (certificate.holder_name[:2], "certificate_holder_name_prefix"),
    }
    for mode, (value, index) in expected.items():
        plan = _plan(selectors.search_registry(selectors.RegistryQuery(mode, value)))
        assert "Seq Scan on approvals_certificate" not in plan and index in plan, (mode, plan)
    plan = _plan(selectors.holder_registry(owner))
    assert "Seq Scan on approvals_certificate" not in plan and "certificate_holder" in plan, plan
    # held_by (the materials step's lookup) filters the same way
    plan = _plan(Certificate.objects.filter(holder_id_number=certificate.holder_id_number, name__in=["许可证"]))
    assert "certificate_holder" in plan, plan


# --- materials proved by the registry ----------------------------------------------------------------------------


@pytest.fixture
def change_item(flow):
    """An item (a licence change) whose licence material the flow's certificate (许可证) proves."""
    return app_testing.make_item("许可变更", materials=[
        "变更申请书",
        ("许可证正、副本", {"code": "licence", "registry_certificate_name": "许可证"}),
        ("营业执照", {"source": "shared", "shared_from": "市场监管部门"}),
    ])


def draft_for(owner, item):
    application = app_services.start_application(owner, app_testing.make_person(owner), item=item)
    app_testing.complete_draft(application, owner, skip=("许可证正、副本",))
    return application


def test_the_catalogue_names_the_proving_certificate_in_the_item_version(change_item):
    version = catalog_services.require_applicable(change_item)
    proved = [m for m in version.materials if m["registry_certificate_name"]]
    assert [(m["name"], m["registry_certificate_name"]) for m in proved] == [("许可证正、副本", "许可证")]
    merged = catalog_rules.merge_materials([("甲", [{"name": "许可证", "requirement": "required", "source": "applicant"}]),
                                            ("乙", [{"name": "许可证", "requirement": "required", "source": "applicant",
                                                     "registry_certificate_name": "许可证"}])])
    assert merged[0]["registry_certificate_name"] == "许可证"


def test_a_valid_licence_proves_the_material_so_the_application_submits_without_an_upload(
        client, flow, owner, change_item):
    certificate = approve(flow, flow.case())
    application = draft_for(owner, change_item)
    client.force_login(owner)
    page = client.get(reverse("applications:step_materials", args=[application.pk])).content.decode()
    until = certificate.valid_until
    assert (f"已从电子证照库调取：许可证（{certificate.licence_number}，有效期至{until.year}年{until.month}月{until.day}日）"
            in page)
    material = application.materials.get(name="许可证正、副本")
    assert f'data-testid="upload-{material.pk}"' not in page  # no upload asked
    api = client.get(f"/api/applications/applications/{application.pk}/").json()
    entry = next(m for m in api["materials"] if m["name"] == "许可证正、副本")
    assert entry["registry"]["from_registry"] is True and entry["registry"]["reading"] == "valid"
    assert api["missing"] == []

    assert client.post(reverse("applications:submit", args=[application.pk])).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    material.refresh_from_db()
    assert material.from_registry and not material.files.exists()
    assert material.registry_reference == {
        "public_id": str(certificate.public_id), "electronic_id": certificate.electronic_id, "name": "许可证",
        "number": certificate.licence_number, "valid_until": until.isoformat(),
        "verify_url": reverse("verify:certificate", args=[certificate.electronic_id])}
    submitted = AuditEvent.objects.get(action="submit", object_id=str(application.pk))
    assert submitted.data["registry"] == [{"material": "许可证正、副本", "certificate": str(certificate.public_id),
                                           "number": certificate.licence_number}]
    detail = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'data-testid="registry-proof"' in detail and certificate.licence_number in detail

    # The clerk sees where it came from, with the verification link, and accepts without an upload.
    client.force_login(flow.clerk)
    intake = client.get(reverse("approvals:intake", args=[application.pk])).content.decode()
    assert 'data-testid="registry-source"' in intake
    assert reverse("verify:certificate", args=[certificate.electronic_id]) in intake
    assert "未提交" not in intake.split('data-name="许可证正、副本"')[1].split("</li>")[0]
    intake_services.accept(Application.objects.get(pk=application.pk), flow.clerk)
    assert Application.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_a_revoked_or_expired_licence_does_not_prove_it_and_the_form_says_why(client, flow, owner, change_item):
    certificate = approve(flow, flow.case())
    certificate_services.revoke(certificate, flow.head, "以欺骗手段取得许可")
    application = draft_for(owner, change_item)
    client.force_login(owner)
    page = client.get(reverse("applications:step_materials", args=[application.pk])).content.decode()
    assert f"电子证照库中的许可证（{certificate.licence_number}）已撤销" in page and "不能调取，请上传" in page
    material = application.materials.get(name="许可证正、副本")
    assert f'data-testid="upload-{material.pk}"' in page
    with pytest.raises(DomainError) as refused:
        app_services.submit(application, owner)
    assert "许可证正、副本" in str(refused.value) and "已撤销" in str(refused.value)
    review = client.get(reverse("applications:step_review", args=[application.pk])).content.decode()
    assert "已撤销" in review and 'data-testid="submit" disabled' in review
    # uploaded as usual, it submits, and nothing is recorded from the registry
    app_services.upload_file(application, material, owner, app_testing.pdf_upload("许可证.pdf"))
    app_services.submit(application, owner)
    material.refresh_from_db()
    assert not material.from_registry

    today = clock.today()
    approve(flow, flow.case(), valid_from=today - timedelta(days=800), valid_until=today - timedelta(days=1))
    expired_draft = draft_for(owner, change_item)
    page = client.get(reverse("applications:step_materials", args=[expired_draft.pk])).content.decode()
    assert "已过期" in page and "不能调取，请上传" in page


def test_a_licence_revoked_after_submission_is_caught_at_intake(client, flow, owner, change_item):
    certificate = approve(flow, flow.case())
    application = app_services.submit(draft_for(owner, change_item), owner)
    certificate_services.revoke(certificate, flow.head, "以欺骗手段取得许可")
    client.force_login(flow.clerk)
    intake = client.get(reverse("approvals:intake", args=[application.pk])).content.decode()
    assert 'data-testid="registry-invalid"' in intake and "已撤销" in intake
    with pytest.raises(DomainError, match="许可证正、副本"):
        intake_services.accept(Application.objects.get(pk=application.pk), flow.clerk)


def test_another_persons_licence_proves_nothing(client, flow, owner, change_item):
    _user, _applicant, other_case = someone_else(flow)
    issue(flow, other_case)  # held by someone else
    application = draft_for(owner, change_item)
    proofs = app_selectors.registry_proofs(app_selectors.application_within(Application.objects.all(), application.pk))
    assert proofs == {}
    client.force_login(owner)
    page = client.get(reverse("applications:step_materials", args=[application.pk])).content.decode()
    assert 'data-testid="registry-none"' in page
    with pytest.raises(DomainError, match="许可证正、副本"):
        app_services.submit(application, owner)


def test_the_valid_licence_that_lasts_longest_is_the_one_taken(flow, owner):
    today = clock.today()
    case = flow.case()
    revoked = issue(flow, case)
    certificate_services.revoke(revoked, flow.head, "吊销")
    short = issue(flow, case, valid_until=today + timedelta(days=30))
    long = issue(flow, case, valid_until=today + timedelta(days=900))
    held = selectors.held_by(long.holder_id_number, ["许可证", "别的证"])
    assert list(held) == ["许可证"] and held["许可证"].pk == long.pk
    certificate_services.revoke(long, flow.head, "吊销")
    assert selectors.held_by(long.holder_id_number, ["许可证"])["许可证"].pk == short.pk
