"""补正收件: a walk-in applicant who owes papers after a supplement notice returns to the window; the clerk finds
the application by case number, ID number or name, uploads what was brought and resubmits on the applicant's
behalf, audited as done by the clerk; refused once the limit has passed, and for applications filed online."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from applications import services as app_services
from applications import testing as app_testing
from applications.models import Application, SupplementRequest, Status
from applications.testing import complete_draft, make_item, pdf_upload, submitted_application
from approvals.intake import selectors as intake_selectors
from approvals.intake import services as intake_services
from portal import clock
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


def walk_in_awaiting_supplement(clerk, *, serial=41, name="李建国"):
    """A walk-in application taken in without one required material and answered with a supplement notice."""
    item = make_item()
    person, _created = app_services.find_or_register_walk_in(
        clerk, id_number=app_testing.citizen_id(serial=serial), name=name)
    application = app_services.start_application(clerk, person, item=item, channel="1")
    missing = next(m for m in application.materials.all() if m.asked and m.required)
    complete_draft(application, clerk, skip=(missing.name,))
    application = app_services.submit(application, clerk)
    intake_services.request_supplement(application, clerk, [(missing, "未提交")])
    return Application.objects.get(pk=application.pk), missing


def actions(application):
    return list(AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
                .order_by("id").values_list("action", "actor_id", "opinion"))


def test_the_clerk_uploads_and_resubmits_on_the_applicants_behalf_and_it_is_back_in_the_queue(clerk, make_user):
    application, missing = walk_in_awaiting_supplement(clerk)
    other_clerk = make_user(Role.WINDOW_CLERK, real_name="赵窗口")  # any clerk of the desk takes the papers
    with pytest.raises(DomainError, match=missing.name):  # nothing brought yet
        intake_services.resubmit_on_behalf(application, other_clerk)

    intake_services.upload_supplement(application, missing, other_clerk, pdf_upload("补交.pdf"))
    resubmitted = intake_services.resubmit_on_behalf(application, other_clerk)

    assert resubmitted.status == Status.SUBMITTED
    assert resubmitted.intake_due_date == clock.add_working_days(resubmitted.received_at, 5)
    assert SupplementRequest.objects.get(application=application).answered_at is not None
    assert application.pk in set(intake_selectors.intake_queue().values_list("pk", flat=True))
    rows = actions(application)[-4:]
    assert [(a, actor) for a, actor, _o in rows] == [
        ("material_upload", other_clerk.pk), ("supplement_on_behalf", other_clerk.pk),
        ("resubmit", other_clerk.pk), ("supplement_on_behalf", other_clerk.pk)]
    assert rows[1][2] == f"代为补正：{missing.name}" and rows[3][2] == "代为提交补正"


def test_refused_after_the_limit_passed_and_the_sweep_lapses_it(clerk):
    application, missing = walk_in_awaiting_supplement(clerk)
    intake_services.upload_supplement(application, missing, clerk, pdf_upload("补交.pdf"))
    SupplementRequest.objects.filter(application=application).update(due_date=clock.today() - timedelta(days=1))
    with pytest.raises(Conflict, match="补正期限已于"):
        intake_services.resubmit_on_behalf(application, clerk)
    with pytest.raises(Conflict, match="补正期限已于"):
        intake_services.upload_supplement(application, missing, clerk, pdf_upload("再交.pdf"))
    assert intake_services.sweep_lapsed_supplements() == 1
    assert Application.objects.get(pk=application.pk).status == Status.LAPSED


def test_only_a_clerk_for_a_walk_in_and_only_listed_materials(clerk, applicant_user, make_user):
    application, missing = walk_in_awaiting_supplement(clerk)
    admin = make_user(Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        intake_services.resubmit_on_behalf(application, admin)
    other = next(m for m in application.materials.all() if m.asked and m.pk != missing.pk)
    with pytest.raises(DomainError, match="不在补正告知书所列"):
        intake_services.upload_supplement(application, other, clerk, pdf_upload("别的.pdf"))

    online = submitted_application(applicant_user)
    required = next(m for m in online.materials.all() if m.asked and m.required)
    intake_services.request_supplement(online, clerk, [(required, "不清晰")])
    with pytest.raises(PermissionDenied, match="网上申请"):
        intake_services.resubmit_on_behalf(Application.objects.get(pk=online.pk), clerk)


def test_the_search_finds_by_case_number_id_number_or_name_with_the_days_left(clerk):
    application, missing = walk_in_awaiting_supplement(clerk, serial=42, name="王秀英")
    walk_in_awaiting_supplement(clerk, serial=43, name="陈建华")
    number = application.applicant.id_number
    for query in (application.case_number, number, number.lower(), "秀英"):
        assert list(intake_selectors.awaiting_supplement(query)) == [application], query
    assert not intake_selectors.awaiting_supplement("不存在的人").exists()
    row = intake_selectors.supplement_rows(intake_selectors.awaiting_supplement(number))[0]
    assert [i.material for i in row.items] == [missing]
    assert row.due_date == clock.add_working_days(row.supplement.requested_at, app_services.supplement_limit_days())
    assert row.days_left == clock.working_days_left(row.due_date) and not row.overdue


def test_the_pages_find_upload_and_resubmit(client, clerk, make_user):
    application, missing = walk_in_awaiting_supplement(clerk, serial=44, name="刘桂兰")
    client.force_login(clerk)
    empty = client.get(reverse("approvals:supplements"), {"q": "查无此人"})
    assert "没有符合查找条件的待补正办件" in empty.content.decode()
    found = client.get(reverse("approvals:supplements"), {"q": application.applicant.id_number}).content.decode()
    assert application.case_number in found and missing.name in found and "剩余" in found

    url = reverse("approvals:supplement", args=[application.pk])
    assert url in client.get(reverse("approvals:intake", args=[application.pk])).content.decode()
    page = client.get(url).content.decode()
    assert missing.name in page and "代为提交补正" in page and "待补交" in page
    response = client.post(url, {"action": "upload", "material": missing.pk, "file": pdf_upload("补交件.pdf")})
    assert response.status_code == 302
    assert "补交件.pdf" in client.get(url).content.decode()
    response = client.post(url, {"action": "resubmit"})
    assert response.status_code == 302 and response.url == reverse("approvals:intake", args=[application.pk])
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
    assert "暂无待补正的窗口办件" in client.get(reverse("approvals:supplements")).content.decode()

    admin = make_user(Role.ADMINISTRATOR)
    client.force_login(admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "resubmit"}).status_code == 403


def test_a_paper_original_seen_answers_the_entry_and_the_application_can_then_be_accepted(clerk, make_user):
    application, missing = walk_in_awaiting_supplement(clerk, serial=45)
    with pytest.raises(DomainError, match="原件核验说明"):
        intake_services.record_original_seen(application, missing, clerk, "  ")
    item = intake_services.record_original_seen(application, missing, clerk, "原件已核验，退还申请人")
    assert item.original_checked_by == clerk and item.original_checked_at is not None
    resubmitted = intake_services.resubmit_on_behalf(application, clerk)
    assert resubmitted.status == Status.SUBMITTED
    assert ("supplement_original_checked", clerk.pk, f"已核验纸质原件：{missing.name}（原件已核验，退还申请人）") in actions(
        application)
    other_clerk = make_user(Role.WINDOW_CLERK)
    intake_services.accept(Application.objects.get(pk=application.pk), other_clerk)  # no scan, the original seen
    assert Application.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_without_a_scan_or_an_original_the_application_still_cannot_be_accepted(clerk):
    """The control for the test above: the original seen is what lets acceptance through."""
    application, missing = walk_in_awaiting_supplement(clerk, serial=46)
    SupplementRequest.objects.filter(application=application).update(answered_at=timezone.now())
    Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED)
    with pytest.raises(DomainError, match=missing.name):
        intake_services.accept(Application.objects.get(pk=application.pk), clerk)


def test_the_page_records_a_paper_original_seen(client, clerk):
    application, missing = walk_in_awaiting_supplement(clerk, serial=47)
    client.force_login(clerk)
    url = reverse("approvals:supplement", args=[application.pk])
    client.post(url, {"action": "original", "material": missing.pk, "note": "原件已核验"})
    page = client.get(url).content.decode()
    assert "已核验纸质原件" in page and "原件已核验" in page
    client.post(url, {"action": "resubmit"})
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
