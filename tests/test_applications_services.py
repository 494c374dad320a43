"""The applicant's side at the service level: registration, identities, agents, drafts, uploads, submission,
withdrawal, the public lookup, and who may see what."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications import selectors, services
from portal.errors import Conflict, DomainError, Throttled
from applications.models import Applicant, Application, ApplicationMaterial, Status, UploadedFile, VerificationCode
from applications.testing import (
    FORM_DATA,
    JPEG_BYTES,
    PDF_BYTES,
    citizen_id,
    complete_draft,
    credit_code,
    make_bundle,
    make_item,
    make_person,
    pdf_upload,
    png_upload,
    submitted_application,
)
from catalog import services as catalog_services
from catalog.services import ItemNotApplicable
from portal.models import AuditEvent, User
from portal.roles import Role
from portal.sms import ConsoleSMSBackend

pytestmark = pytest.mark.django_db


def last_code(mobile):
    for to, text in reversed(ConsoleSMSBackend.sent):
        if to == mobile:
            return text.split("验证码为 ")[1][:6]
    raise AssertionError("no SMS sent")


# --- registration -----------------------------------------------------------------------------------------


def test_registration_with_an_sms_code_creates_an_applicant_account(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_registration_code("13912345678")
    code = last_code("13912345678")
    row = VerificationCode.objects.get(mobile="13912345678")
    assert code not in row.code_hash and len(row.code_hash) == 64  # only a keyed hash is stored
    user = services.register_account("13912345678", code, "Kx9#mobile-pass", real_name="王五")
    assert user.username == "13912345678" and user.has_role(Role.APPLICANT)
    assert user.check_password("Kx9#mobile-pass")
    with pytest.raises(DomainError, match="已注册"):
        services.send_registration_code("13912345678")


def test_a_wrong_code_counts_and_five_wrong_tries_kill_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_registration_code("13912345679")
    code = last_code("13912345679")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(DomainError, match="验证码不正确"):
            services.register_account("13912345679", wrong, "Kx9#mobile-pass")
    with pytest.raises(DomainError, match="错误次数过多"):
        services.register_account("13912345679", wrong, "Kx9#mobile-pass")
    # the right code is no use any more
    with pytest.raises(DomainError):
        services.register_account("13912345679", code, "Kx9#mobile-pass")
    assert not User.objects.filter(mobile="13912345679").exists()


def test_codes_expire_and_cannot_be_requested_too_often(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_registration_code("13912345670")
    with pytest.raises(Throttled, match="秒后再获取"):
        services.send_registration_code("13912345670")
    code = last_code("13912345670")
    VerificationCode.objects.filter(mobile="13912345670").update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError, match="已失效"):
        services.register_account("13912345670", code, "Kx9#mobile-pass")


def test_weak_passwords_are_refused_before_the_code_is_used(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_registration_code("13912345671")
    with pytest.raises(ValidationError):
        services.register_account("13912345671", last_code("13912345671"), "12345678")
    assert VerificationCode.objects.get(mobile="13912345671").attempts == 0


# --- identities and agents ------------------------------------------------------------------------------


def test_an_account_binds_itself_and_several_enterprises_with_checked_ids(applicant_user):
    with pytest.raises(DomainError, match="校验码"):
        services.add_person_identity(applicant_user, "张丽华", "610602199003150022")
    person = services.add_person_identity(applicant_user, "张丽华", "610602199003150021")
    assert person.kind == Applicant.Kind.PERSON and person.masked_id == "610602********0021"
    with pytest.raises(DomainError, match="校验码"):
        services.add_enterprise(applicant_user, name="丽华餐饮", credit_code="91610602MA0000001X",
                                legal_representative="张丽华")
    first = services.add_enterprise(applicant_user, name="丽华餐饮有限公司", credit_code=credit_code(),
                                    legal_representative="张丽华", relation="legal_rep")
    second = services.add_enterprise(applicant_user, name="丽华商贸有限公司", credit_code=credit_code(),
                                     legal_representative="张丽华")
    assert {a.pk for a in selectors.applicants_of(applicant_user)} == {person.pk, first.pk, second.pk}


def test_an_enterprise_or_id_already_registered_cannot_be_claimed_online(applicant_user, make_user):
    code = credit_code()
    services.add_enterprise(applicant_user, name="丽华餐饮有限公司", credit_code=code, legal_representative="张丽华")
    stranger = make_user(Role.APPLICANT)
    with pytest.raises(DomainError, match="已登记"):
        services.add_enterprise(stranger, name="冒名公司", credit_code=code, legal_representative="李四")
    cid = citizen_id()
    services.add_person_identity(applicant_user, "张丽华", cid)
    with pytest.raises(DomainError, match="窗口核验"):
        services.add_person_identity(stranger, "张丽华", cid)


def test_the_database_refuses_a_person_with_a_credit_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.create(kind="person", name="x", id_type="001", id_number=credit_code())


def test_an_agent_files_only_with_a_consent_covering_the_item(applicant_user, make_user):
    agent = make_user(Role.AGENT, real_name="李帮办")
    person = make_person(applicant_user)
    food, other = make_item(), make_item("公共场所卫生许可", materials=["申请表"])
    with pytest.raises(PermissionDenied, match="代办授权"):
        services.start_application(agent, person, item=food)
    consent = services.grant_agent_consent(applicant_user, person, agent, item=food, purpose="代办食品经营许可",
                                           valid_until=timezone.localdate() + timedelta(days=30))
    assert (consent.agent, consent.applicant, consent.method) == (agent, person, "online")
    application = services.start_application(agent, person, item=food)
    assert application.agent_consent == consent and application.filed_by == agent
    with pytest.raises(PermissionDenied):
        services.start_application(agent, person, item=other)  # consent is for one item only
    services.revoke_agent_consent(consent, applicant_user)
    with pytest.raises(PermissionDenied):
        services.start_application(agent, person, item=food)
    # the applicant still sees what the agent filed
    assert selectors.application_detail(applicant_user, application.pk) is not None


def test_only_the_applicant_or_a_clerk_may_grant_a_consent_and_only_to_an_agent(applicant_user, make_user):
    person = make_person(applicant_user)
    agent, stranger = make_user(Role.AGENT), make_user(Role.APPLICANT)
    until = timezone.localdate() + timedelta(days=10)
    with pytest.raises(PermissionDenied):
        services.grant_agent_consent(stranger, person, agent, purpose="代办", valid_until=until)
    with pytest.raises(DomainError, match="不是登记的帮办代办员"):
        services.grant_agent_consent(applicant_user, person, stranger, purpose="代办", valid_until=until)
    clerk = make_user(Role.WINDOW_CLERK)
    consent = services.grant_agent_consent(clerk, person, agent, purpose="书面委托", valid_until=until)
    assert consent.method == "paper"


# --- drafts and materials ------------------------------------------------------------------------------------


def test_a_draft_points_to_the_published_version_and_never_asks_for_shared_materials(applicant_user):
    item = make_item()
    application = services.start_application(applicant_user, make_person(applicant_user), item=item)
    assert application.status == Status.DRAFT and application.case_number is None
    version = application.items.get().item_version
    assert version.item_id == item.pk
    shared = application.materials.get(name="营业执照")
    assert shared.source == ApplicationMaterial.Source.SHARED and not shared.asked
    with pytest.raises(DomainError, match="数据共享获取，无需上传"):
        services.upload_file(application, shared, applicant_user, pdf_upload())
    readiness = services.readiness(application)
    assert "营业执照" not in readiness.missing_materials
    assert "食品经营许可申请书" in readiness.missing_materials


def test_an_unpublished_or_withdrawn_item_cannot_be_applied_for(applicant_user):
    person = make_person(applicant_user)
    with pytest.raises(ItemNotApplicable):
        services.start_application(applicant_user, person, item=make_item("未发布事项", publish=False))
    item = make_item()
    draft = services.start_application(applicant_user, person, item=item)
    complete_draft(draft, applicant_user)
    catalog_services.withdraw_item(item, reason="事项取消")
    with pytest.raises(ItemNotApplicable, match="清单之外无审批"):
        services.submit(draft, applicant_user)


def test_a_draft_is_saved_at_every_step_and_resumed(applicant_user):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    errors = services.save_form(application, applicant_user, {"project_name": "丽华小吃店", "contact_mobile": "123"})
    assert errors["contact_mobile"] == "请输入11位中国大陆手机号码。"
    again = Application.objects.get(pk=application.pk)
    assert again.form_data["project_name"] == "丽华小吃店" and again.last_step == "form"
    assert services.save_form(again, applicant_user, FORM_DATA, final=True) == {}
    assert Application.objects.get(pk=application.pk).last_step == "materials"


def test_uploads_are_sniffed_and_capped_with_chinese_messages(applicant_user, settings, media):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    material = application.materials.get(name="食品经营许可申请书")
    stored = services.upload_file(application, material, applicant_user, pdf_upload("申请书.PDF"))
    assert stored.content_type == "application/pdf" and stored.original_name == "申请书.PDF"
    path = media / stored.file.name
    assert path.read_bytes() == PDF_BYTES and stored.file.name.endswith(".pdf")
    assert "申请书" not in stored.file.name  # a generated name, not the uploaded one
    jpg = services.upload_file(application, material, applicant_user, pdf_upload("photo.pdf", JPEG_BYTES))
    assert (jpg.content_type, jpg.extension) == ("image/jpeg", ".jpg")  # the bytes decide, not the name
    assert services.upload_file(application, material, applicant_user, png_upload()).content_type == "image/png"
    with pytest.raises(DomainError, match="只接受 PDF、JPG、PNG、OFD 文件"):
        services.upload_file(application, material, applicant_user, pdf_upload("virus.pdf", b"MZ\x90\x00 payload"))
    with pytest.raises(DomainError, match="空文件"):
        services.upload_file(application, material, applicant_user, pdf_upload("empty.pdf", b""))
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="超过 0 MB|超过"):
        services.upload_file(application, material, applicant_user, pdf_upload("big.pdf", PDF_BYTES + b"0" * 2000))
    assert UploadedFile.objects.filter(application=application).count() == 3
    assert len(list((media / "applications").rglob("*.*"))) == 3  # refused files left nothing on disk


def test_a_draft_file_can_be_deleted_but_not_after_submission(applicant_user, media, django_capture_on_commit_callbacks):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    material = application.materials.get(name="食品经营许可申请书")
    stored = services.upload_file(application, material, applicant_user, pdf_upload())
    path = media / stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_file(stored, applicant_user)
    assert not path.exists()
    complete_draft(application, applicant_user)
    services.submit(application, applicant_user)
    with pytest.raises(DomainError, match="不能删除"):
        services.delete_file(application.files.first(), applicant_user)


# --- submission ----------------------------------------------------------------------------------------------


def test_submission_needs_a_complete_form_and_every_asked_material(applicant_user):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    with pytest.raises(DomainError, match="申请表尚未填写") as info:
        services.submit(application, applicant_user)
    assert "食品经营许可申请书" in str(info.value)
    complete_draft(application, applicant_user, skip=("经营场所平面图",))
    with pytest.raises(DomainError, match="经营场所平面图"):
        services.submit(application, applicant_user)
    services.upload_file(application, application.materials.get(name="经营场所平面图"), applicant_user, pdf_upload())
    submitted = services.submit(application, applicant_user)
    code = submitted.items.get().item_version.snapshot["implementation_code"]
    today = timezone.localdate()
    assert submitted.case_number == f"{code}{today:%Y%m%d}00001"
    assert submitted.status == Status.SUBMITTED
    assert submitted.intake_due_date == services.clock.add_working_days(submitted.received_at, 5)
    event = AuditEvent.objects.get(object_type="applications.application", object_id=str(submitted.pk), action="submit")
    assert (event.from_state, event.to_state, event.actor_id) == ("draft", "submitted", applicant_user.pk)
    with pytest.raises(Conflict, match="已经提交"):
        services.submit(submitted, applicant_user)


def test_numbers_run_per_item_and_day(applicant_user):
    item = make_item()
    first = submitted_application(applicant_user, item=item)
    second = submitted_application(applicant_user, applicant=first.applicant, item=item)
    assert int(second.case_number[-5:]) == int(first.case_number[-5:]) + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=second.pk).update(case_number=first.case_number)


def test_a_bundle_uses_its_first_items_code_and_asks_shared_materials_once(applicant_user):
    bundle = make_bundle()
    application = services.start_application(applicant_user, make_person(applicant_user), bundle=bundle)
    assert application.items.count() == 2 and application.title == "我要开饭店"
    names = list(application.materials.values_list("name", flat=True))
    assert names.count("法定代表人身份证明") == 1
    shared_id = application.materials.get(name="法定代表人身份证明")
    assert set(shared_id.for_items) == {"食品经营许可", "公共场所卫生许可"}
    complete_draft(application, applicant_user)
    submitted = services.submit(application, applicant_user)
    first_code = bundle.entries.order_by("sort_order").first().item.implementation_code
    assert submitted.case_number.startswith(first_code)


def test_a_clerk_files_a_walk_in_for_a_person_found_or_registered_by_id(make_user):
    clerk = make_user(Role.WINDOW_CLERK)
    with pytest.raises(DomainError, match="请填写姓名"):
        services.find_or_register_walk_in(clerk, id_number=citizen_id())
    cid = citizen_id()
    person, created = services.find_or_register_walk_in(clerk, id_number=cid, name="赵大妈", contact_mobile="13700000000")
    assert created and person.kind == Applicant.Kind.PERSON
    again, created = services.find_or_register_walk_in(clerk, id_number=cid.lower())
    assert again == person and not created
    with pytest.raises(DomainError, match="法定代表人"):
        services.find_or_register_walk_in(clerk, id_number=credit_code(), name="某公司")
    application = services.start_application(clerk, person, item=make_item(), channel="1")
    assert application.channel == "1" and application.filed_by == clerk
    complete_draft(application, clerk)
    assert services.submit(application, clerk).status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.find_or_register_walk_in(make_user(Role.APPLICANT), id_number=cid)


def test_withdrawal_needs_a_reason_and_is_refused_after_a_decision(applicant_user):
    application = submitted_application(applicant_user)
    with pytest.raises(DomainError, match="撤回原因"):
        services.withdraw(application, applicant_user, " ")
    withdrawn = services.withdraw(application, applicant_user, "经营场所变更，重新申请")
    assert withdrawn.status == Status.WITHDRAWN and withdrawn.end_reason == "经营场所变更，重新申请"
    with pytest.raises(Conflict, match="不能执行此操作"):
        services.withdraw(withdrawn, applicant_user, "再撤一次")


# --- who sees what ---------------------------------------------------------------------------------------------


def test_another_applicant_sees_nothing_of_mine(applicant_user, make_user):
    mine = submitted_application(applicant_user)
    other = make_user(Role.APPLICANT)
    assert selectors.application_detail(other, mine.pk) is None
    assert not selectors.my_applications(other).exists()
    stored = mine.files.first()
    assert selectors.file_for(other, stored.public_id) is None
    assert selectors.file_for(applicant_user, stored.public_id) == stored
    # Staff do not open files through the applicant side's view (approvals.policy has theirs).
    assert selectors.file_for(make_user(Role.WINDOW_CLERK), stored.public_id) is None
    with pytest.raises(PermissionDenied):
        services.upload_file(mine, mine.materials.first(), other, pdf_upload())
    with pytest.raises(PermissionDenied):
        services.withdraw(mine, other, "恶意撤回")


def test_a_user_representing_several_applicants_sees_each_application_once(applicant_user):
    person = make_person(applicant_user)
    company = services.add_enterprise(applicant_user, name="丽华餐饮有限公司", credit_code=credit_code(),
                                      legal_representative="张丽华")
    item = make_item()
    submitted_application(applicant_user, person, item=item)
    submitted_application(applicant_user, company, item=item)
    assert selectors.my_applications(applicant_user).count() == 2


# --- the public lookup -----------------------------------------------------------------------------------------


def test_progress_lookup_needs_the_id_tail_and_is_throttled(applicant_user, settings):
    application = submitted_application(applicant_user)
    tail = application.applicant.id_number[-4:]
    wrong = "0000" if tail != "0000" else "1111"
    found = services.lookup_progress(application.case_number, tail, ip="10.0.0.1")
    assert found == application
    assert services.lookup_progress(application.case_number, application.applicant.id_number[-6:], ip="10.0.0.1")
    assert services.lookup_progress(application.case_number, wrong, ip="10.0.0.1") is None
    assert services.lookup_progress(application.case_number, "12", ip="10.0.0.1") is None  # too short, still counts
    settings.LOGIN_FAILURE_LIMIT = 3
    services.lookup_progress(application.case_number, "9999", ip="10.0.0.1")
    # The guessing address waits now, even with the right tail ...
    with pytest.raises(Throttled, match="失败次数过多"):
        services.lookup_progress(application.case_number, tail, ip="10.0.0.1")
    # ... while the applicant, elsewhere, still finds the application.
    assert services.lookup_progress(application.case_number, tail, ip="10.0.0.2") == application
    assert AuditEvent.objects.filter(action="progress_lookup_failed").count() == 3
    assert AuditEvent.objects.filter(action="progress_lookup_throttled").count() == 1
    # Many failures for one case number from many addresses slow everyone for it (a delay, not a lock).
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 5
    for n in range(3, 5):
        services.lookup_progress(application.case_number, wrong, ip=f"10.0.0.{n}")
    with pytest.raises(Throttled, match="之后再试"):
        services.lookup_progress(application.case_number, tail, ip="10.0.0.9")
