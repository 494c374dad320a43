"""The authorisation matrix (issue 9, item 2): every page and API operation that takes an object id, against
every kind of person, on one world built through the real services.

The table (ROWS) has one row per (URL name, method) of a page and per (method, path) of the API. The rows are
checked against what the URLconf and the OpenAPI schema say exists (test_every_endpoint_taking_an_id_has_a_row),
so a new endpoint without a row fails the suite (the Django admin, is_staff only, is left out; public catalogue
objects are listed with the PUBLIC marker instead of expectations). Each row gives, per role, the class of answer
the domain rule asks for (written to the rule: where the code answers otherwise, the row fails):

    HIDDEN   404; for the anonymous visitor also a redirect to the sign-in page (pages) or 401/403 (API);
    REFUSED  403;
    OPEN     anything else (2xx, a redirect elsewhere, 400, 409): the authorisation layer let the request
             through and the domain decided.

Writes carry a valid payload (a form error must not hide the check), each request runs in its own savepoint that
is rolled back, and a HIDDEN or REFUSED write must leave no AuditEvent row and no change in any table of the
project's apps.

The world (build_world): one application of the owner's applicant, filed online by an agent holding the owner's
consent, accepted by the clerk (acceptance notice, uploaded files); its case (an item that requires a site
visit) reviewed and in the inspection stage, held by `officer_in_section` who planned the visits; the first
visit recorded "rectify" by `inspector_on_visit` (an officer of another section) with a photo and co-signed by the
other inspector (会签, so it took effect); a re-inspection planned for today, its "pass" recorded by that other
inspector and awaiting the co-signature of `inspector_on_visit`; an extension request of the reviewer's pending; and a walk-in draft the clerk started.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

from applications import selectors as app_selectors
from applications import services as app_services
from applications import testing as app_testing
from applications.models import Status
from applications.ratings import services as rating_services
from applications.problems import services as problem_services
from approvals.cases import services as case_services
from approvals.certificates import services as certificate_services
from approvals.certificates.documents import render_certificate_pdf
from approvals.certificates.models import Certificate
from approvals import events
from approvals.documents import render_notice_pdf
from approvals.intake import services as intake_services
from approvals.models import (
    ApprovalCase,
    ExtensionRequest,
    Inspection,
    InspectionEvidence,
    LegalReview,
    Stage,
)
from approvals.testing import Flow, make_person
from catalog.codesets import Channel
from catalog.testing import make_section
from portal import clock, outbox
from portal.models import AuditEvent
from portal.roles import Role
from supervision import services as supervision_services
from supervision.models import Handoff

pytestmark = pytest.mark.django_db

HIDDEN, REFUSED, OPEN = "HIDDEN", "REFUSED", "OPEN"
H, R, O = HIDDEN, REFUSED, OPEN

ROLES = (
    "anonymous",
    "owner",                  # the applicant-side account that represents the application's applicant
    "other_applicant",
    "agent_with_consent",     # holds the owner's consent and filed the application on the owner's behalf
    "agent_without_consent",
    "clerk",                  # the window clerk who accepted the application
    "officer_in_section",     # an officer of the case's section (not clerk or reviewer): planned the visits, holds it
    "officer_other_section",
    "inspector_on_visit",     # an officer of another section, inspector on the case's visits
    "legal",                  # the case never reached legal review
    "head",                   # head of the case's section
    "leader",
    "department",
    "admin",
)


def roles(default: str, **given: str) -> dict[str, str]:
    unknown = set(given) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: given.get(role, default) for role in ROLES}


# --- the groups of expectations ----------------------------------------------------------------------------------

# The applicant's own pages and API: the accounts of the applicant's side (applications.policy), nobody else.
APPLICANT_SIDE = roles(H, owner=O, agent_with_consent=O)
# Consents are revoked by an account representing the applicant that gave them.
CONSENT_GIVER = roles(H, owner=O)
# Notices follow their application (approvals.policy): whoever may see the application, on either side.
SEES_APPLICATION = roles(H, owner=O, agent_with_consent=O, clerk=O, officer_in_section=O, inspector_on_visit=O,
                         head=O, leader=O, admin=O)
# The staff file view: back-office people who may see the application (the applicant side has /files/).
BACK_OFFICE_SEES_APPLICATION = roles(H, clerk=O, officer_in_section=O, inspector_on_visit=O, head=O, leader=O,
                                     admin=O)
# The intake desk: window clerks; administrators may look but not act; anyone else refused by role. The walk-in
# pages (filing at the counter for someone) are acting, also when read: clerks only.
INTAKE_LOOK = roles(R, anonymous=H, clerk=O, admin=O)
INTAKE_ACT = roles(R, anonymous=H, clerk=O)
# Inspection evidence is a file: 404 for whoever may not see the case, whatever their role.
EVIDENCE = roles(H, officer_in_section=O, inspector_on_visit=O, head=O, leader=O, admin=O)
# Extension decisions: section heads and bureau leaders (Art. 42); an administrator passes the pages' and the API's
# role gate but is refused by can_decide_extension, which must come back as 403 on both.
HEADS_AND_LEADERS = roles(R, anonymous=H, head=O, leader=O)
# 审管联动: the handoff's department sees and acts; leaders and administrators see every handoff but do not act for
# a department; nobody else knows it exists.
SUPERVISING = roles(H, department=O, leader=O, admin=O)
DEPARTMENT_ACTS = roles(H, department=O, leader=R, admin=R)


# 办不成事反映 (applications/problems/): the filer, the desk, the assigned section and the leaders see the ticket;
# the desk assigns (again, while it is coordinated), follows up and closes (the world's ticket is not replied yet:
# those two answer 409 to the clerk); the assigned section (and the desk) replies. Everyone else: 404.
PROBLEM_SEES = roles(H, owner=O, clerk=O, officer_in_section=O, head=O, leader=O, admin=O)
PROBLEM_DESK = roles(H, owner=R, clerk=O, officer_in_section=R, head=R, leader=R, admin=R)
PROBLEM_REPLY = roles(H, owner=R, clerk=O, officer_in_section=O, head=O, leader=R, admin=R)


def PROBLEM(w):
    return {"pk": w.problem.pk}


def HANDOFF(w):
    return {"public_id": w.handoff.public_id}


def on_case(*, officer: str, inspector: str, head: str, leader: str, admin: str) -> dict[str, str]:
    """A case page or API operation: non-approval staff refused by role; staff who may not see the case 404;
    for those who may (the five named here), the can_* verdict of approvals.cases.policy decides."""
    return roles(R, anonymous=H, officer_other_section=H, legal=H, officer_in_section=officer,
                 inspector_on_visit=inspector, head=head, leader=leader, admin=admin)


SEES_CASE = on_case(officer=O, inspector=O, head=O, leader=O, admin=O)
# The case is at inspection: review, legal review and decision answer 409 (wrong stage: _stage_work checks the
# stage before the role) to everyone who sees it.
WRONG_STAGE = SEES_CASE
# Stage work of the inspection queue: an approval officer of the case's section (works_on).
INSPECTION_WORK = on_case(officer=O, inspector=R, head=R, leader=R, admin=R)
# Extension requests, suspend, resume: the section's officers and head (in_section).
SECTION_STAFF = on_case(officer=O, inspector=R, head=O, leader=R, admin=R)
# Release: the holder or the section's head; anyone else who sees the case gets the rule "not claimed" (400, not
# 403: can_release answers with a rule).
RELEASE = on_case(officer=O, inspector=O, head=O, leader=O, admin=O)
# Terminate: the section's head or a bureau leader (heads_or_leads).
TERMINATE = on_case(officer=R, inspector=R, head=O, leader=O, admin=R)
# Recording a visit's result: only its inspectors (can_record_result).
RECORD_RESULT = on_case(officer=R, inspector=O, head=R, leader=R, admin=R)
# Co-signing or returning a recorded result: only the visit's other inspector (can_cosign; the recorder is refused
# by a rule, 400).
COSIGN = on_case(officer=R, inspector=O, head=R, leader=R, admin=R)


# --- the world -----------------------------------------------------------------------------------------------------


@dataclass
class World:
    people: dict
    clients: dict
    application: object
    material: object
    upload: object
    notice: object
    consent: object
    case: object
    visit: object
    reinspection: object
    evidence: object
    extension: object
    walk_in: object
    walk_in_material: object
    walk_in_file: object
    inspectors: list
    certificate: object
    handoff: object
    supervision_document: object
    rating_visit: object
    rating_ticket: object
    rating_appeal: object
    problem: object


def build_world() -> World:
    flow = Flow.build()
    other_section = make_section()
    item = flow.item(inspection=True)
    owner = flow.applicant_user
    applicant = app_testing.make_person(owner, "张丽华")
    agent = make_person(Role.AGENT, "刘代办")
    consent = app_services.grant_agent_consent(owner, applicant, agent, purpose="代办食品经营许可",
                                               valid_until=clock.today() + timedelta(days=180), item=item)
    # The agent files for the owner's applicant (applicants_for_filing offers it through the consent).
    assert any(a.pk == applicant.pk for a, _c in app_selectors.applicants_for_filing(agent, item=item))
    draft = app_services.start_application(agent, applicant, item=item)
    app_testing.complete_draft(draft, agent)
    application = app_services.submit(draft, agent)
    notice = intake_services.accept(application, flow.clerk)
    render_notice_pdf(notice.pk)  # the signed PDF exists, so its download is checked like the page

    case = ApprovalCase.objects.get(application=application)
    case = case_services.claim_case(case, flow.reviewer)
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，需现场核实经营场所")
    inspector = make_person(Role.APPROVAL_OFFICER, "外科室勘验员", section=other_section)
    visit = case_services.schedule_inspection([case], clock.today(), "宝塔区南关街12号", [inspector, flow.inspector1],
                                              flow.certifier)
    deadline = clock.add_working_days(clock.today(), 5)
    photo = SimpleUploadedFile("现场.png", app_testing.PNG_BYTES, content_type="image/png")
    case_services.record_inspection_result(visit, inspector, "消毒设施不全", "rectify",
                                           rectify_deadline=deadline, evidence=[photo])
    visit = case_services.cosign_inspection(visit, flow.inspector1)
    reinspection = case_services.schedule_reinspection(visit, clock.today(), flow.certifier)
    reinspection = case_services.record_inspection_result(reinspection, flow.inspector1, "已整改到位", "pass")
    extension = case_services.request_extension(ApprovalCase.objects.get(pk=case.pk), flow.reviewer,
                                                "需征求卫生健康部门意见")

    walk_in_applicant, _created = app_services.find_or_register_walk_in(
        flow.clerk, id_number=app_testing.citizen_id(), name="陈建国", contact_mobile="13900000002",
        address="宝塔区二道街5号")
    walk_in = app_services.start_application(flow.clerk, walk_in_applicant, item=item, channel=Channel.WINDOW)
    walk_in_material = next(m for m in walk_in.materials.all() if m.asked)
    walk_in_file = app_services.upload_file(walk_in, walk_in_material, flow.clerk, app_testing.pdf_upload("扫描件.pdf"))

    other = make_person(Role.APPLICANT, "王其他")
    app_testing.make_person(other, "王其他")
    people = {
        "owner": owner,
        "other_applicant": other,
        "agent_with_consent": agent,
        "agent_without_consent": make_person(Role.AGENT, "赵代办"),
        "clerk": flow.clerk,
        "officer_in_section": flow.certifier,
        "officer_other_section": make_person(Role.APPROVAL_OFFICER, "外科室审批员", section=other_section),
        "inspector_on_visit": inspector,
        "legal": flow.legal,
        "head": flow.head,
        "leader": flow.leader,
        "department": make_person(Role.DEPARTMENT_USER, "监管部门人员"),
        "admin": make_person(Role.ADMINISTRATOR, "系统管理员"),
    }
    clients = {"anonymous": Client()}
    for role, user in people.items():
        clients[role] = Client()
        clients[role].force_login(user)

    # A certificate of the application (made directly: the world's case is still open; who may download it
    # depends on the application only, approvals.certificates.policy).
    certificate = certificate_services.create_certificate(
        case, {**certificate_services.certificate_defaults(case), "certificate_name": "许可证"},
        basis=Certificate.Basis.ON_THE_SPOT, issued_by=flow.certifier, issued_at=timezone.now())
    render_certificate_pdf(certificate.pk)
    # ... handed off to the item's supervising department (审管联动), as the outbox consumer does.
    events.case_decided(case, None, certificate)
    outbox.drain()
    handoff = Handoff.objects.get(certificate=certificate)
    item.supervising_department.members.add(people["department"])
    department_user = type(people["department"]).objects.get(pk=people["department"].pk)
    supervision_services.claim(handoff, department_user)
    supervision_record = supervision_services.record_result(handoff, department_user, "inspection", "现场检查未见异常",
                                                            documents=[app_testing.pdf_upload("检查记录.pdf")])

    # 好差评: the clerk's window visit for the application, rated "非常不满意" on the tablet (a ticket for the case's
    # section), and the head's appeal of it awaiting a leader.
    rating_visit = rating_services.open_visit(flow.clerk, application=application, purpose="受理咨询")
    rating = rating_services.rate_visit(rating_visit, flow.clerk, 1, "等候时间长")
    rating_appeal = rating_services.request_appeal(rating.ticket, flow.head, "评价与本次服务无关")
    # 办不成事反映: filed online by the owner, assigned by the clerk to the case's section (being coordinated).
    problem = problem_services.file_online(title="被要求提供清单外材料", description="窗口要求提供租赁备案证明。",
                                           contact_name="张丽华", contact_mobile="13800000001", user=owner)
    problem = problem_services.assign(problem, flow.clerk, section=flow.section)

    application.refresh_from_db()
    material = next(m for m in application.materials.all() if m.asked and m.files.exists())
    return World(
        people=people, clients=clients, application=application, material=material,
        upload=material.files.first(), notice=notice, consent=consent,
        case=ApprovalCase.objects.get(pk=case.pk), visit=Inspection.objects.get(pk=visit.pk),
        reinspection=reinspection, evidence=InspectionEvidence.objects.get(inspection=visit),
        extension=extension, walk_in=walk_in, walk_in_material=walk_in_material, walk_in_file=walk_in_file,
        inspectors=[flow.inspector1.pk, flow.inspector2.pk], certificate=certificate, handoff=handoff,
        supervision_document=supervision_record.documents.get(),
        rating_visit=rating_visit, rating_ticket=rating.ticket, rating_appeal=rating_appeal,
        problem=problem,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


# --- the table -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: tuple[str, str]  # pages: (URL name, method); API: (method, path as in the OpenAPI schema)
    expect: dict[str, str] | None  # None: a public catalogue object (no per-role expectation)
    args: Callable[[World], dict] | None = None
    data: Callable[[World], dict] | None = None
    json: bool = False  # the API's JSON body (else form / multipart)

    @property
    def api(self) -> bool:
        return self.key[1].startswith("/api/")

    @property
    def method(self) -> str:
        return self.key[0] if self.api else self.key[1]

    def url(self, world: World) -> str:
        kwargs = self.args(world) if self.args else {}
        if self.api:
            return self.key[1].format(**kwargs)
        return reverse(self.key[0], kwargs=kwargs)

    def label(self) -> str:
        return f"{self.method} {self.key[1] if self.api else self.key[0]}"


def page(name, method, expect, args=None, data=None) -> Row:
    return Row((name, method), expect, args, data)


def api(method, path, expect, args=None, data=None, *, multipart=False) -> Row:
    return Row((method, path), expect, args, data, json=not multipart)


PUBLIC = None


def pdf():
    return app_testing.pdf_upload("补充材料.pdf")


def APP(w):
    return {"pk": w.application.pk}


def APP_MATERIAL(w):
    return {"pk": w.application.pk, "material_pk": w.material.pk}


def APP_LICENSING(w):
    return {"pk": w.application.pk, "kind": "licensing"}


def UPLOAD(w):
    return {"public_id": w.upload.public_id}


def CASE(w):
    return {"pk": w.case.pk}


def APP_ID(w):
    return {"id": w.application.pk}


def CASE_ID(w):
    return {"id": w.case.pk}


def VERSION(w):
    return {"version": w.case.version}


def today() -> str:
    return clock.today().isoformat()


FORM = {"action": "save", **app_testing.FORM_DATA}
HANDOVER = {"method": "post", "recipient_name": "张丽华", "carrier": "ems", "tracking_number": "EMS12345678"}

ROWS = [
    # --- the public catalogue (guide pages, their PDFs and material files; starting an application from an item)
    page("catalog:item", "GET", PUBLIC),
    page("catalog:item_pdf", "GET", PUBLIC),
    page("catalog:bundle", "GET", PUBLIC),
    page("catalog:bundle_pdf", "GET", PUBLIC),
    page("catalog:material_file", "GET", PUBLIC),
    # whom one may file for is checked on POST (applicants_for_filing), not by the published item's id
    page("applications:apply_item", "GET", PUBLIC),
    page("applications:apply_item", "POST", PUBLIC),
    page("applications:apply_bundle", "GET", PUBLIC),
    page("applications:apply_bundle", "POST", PUBLIC),
    # the public listing of licensing decisions (双公示): one decision's record, by its notice's random id
    page("publicity:detail", "GET", PUBLIC),
    api("GET", "/api/catalog/bundles/{id}/", PUBLIC),
    api("GET", "/api/catalog/departments/{id}/", PUBLIC),
    api("GET", "/api/catalog/items/{id}/", PUBLIC),
    api("GET", "/api/catalog/materials/{id}/", PUBLIC),

    # --- the applicant's side
    page("applications:consent_revoke", "POST", CONSENT_GIVER, lambda w: {"pk": w.consent.pk}),
    page("applications:detail", "GET", APPLICANT_SIDE, APP),
    page("applications:resume", "GET", APPLICANT_SIDE, APP),
    page("applications:step_form", "GET", APPLICANT_SIDE, APP),
    page("applications:step_form", "POST", APPLICANT_SIDE, APP, lambda w: FORM),
    page("applications:step_materials", "GET", APPLICANT_SIDE, APP),
    page("applications:step_review", "GET", APPLICANT_SIDE, APP),
    page("applications:upload", "POST", APPLICANT_SIDE, APP_MATERIAL, lambda w: {"file": pdf()}),
    page("applications:tolerance", "POST", APPLICANT_SIDE, APP_MATERIAL, lambda w: {"requested": "1"}),
    page("applications:commitment_sign", "POST", APPLICANT_SIDE, APP_LICENSING,
         lambda w: {"signatory_name": "张丽华", "agree": "on"}),
    page("applications:commitment_withdraw", "POST", APPLICANT_SIDE, APP_LICENSING),
    page("applications:submit", "POST", APPLICANT_SIDE, APP),
    page("applications:submitted", "GET", APPLICANT_SIDE, APP),
    page("applications:receipt", "GET", APPLICANT_SIDE, APP),
    page("applications:receipt_pdf", "GET", APPLICANT_SIDE, APP),
    page("applications:discard", "POST", APPLICANT_SIDE, APP),
    page("applications:resubmit", "POST", APPLICANT_SIDE, APP),
    page("applications:withdraw", "POST", APPLICANT_SIDE, APP, lambda w: {"reason": "经营计划调整，撤回申请"}),
    page("applications:file", "GET", APPLICANT_SIDE, UPLOAD),
    page("applications:file_delete", "POST", APPLICANT_SIDE, UPLOAD),
    api("GET", "/api/applications/applications/{id}/", APPLICANT_SIDE, APP_ID),
    api("POST", "/api/applications/applications/{id}/files/", APPLICANT_SIDE, APP_ID,
        lambda w: {"material": w.material.pk, "file": pdf()}, multipart=True),
    api("POST", "/api/applications/applications/{id}/files/batch/", APPLICANT_SIDE, APP_ID,
        lambda w: {"material": w.material.pk, "files": [pdf(), pdf()]}, multipart=True),
    api("PUT", "/api/applications/applications/{id}/form/", APPLICANT_SIDE, APP_ID,
        lambda w: {"data": {"project_name": "丽华小吃店"}, "final": False}),
    api("POST", "/api/applications/applications/{id}/resubmit/", APPLICANT_SIDE, APP_ID),
    api("POST", "/api/applications/applications/{id}/submit/", APPLICANT_SIDE, APP_ID),
    api("POST", "/api/applications/applications/{id}/withdraw/", APPLICANT_SIDE, APP_ID,
        lambda w: {"reason": "经营计划调整，撤回申请"}),

    # --- 好差评: the applicant side rates its application (the world's is not closed yet: 409 on POST); the
    # window tablet page is the clerk's who opened the visit; tickets are seen by the section's head and leaders,
    # acted on by the head (a leader is refused); appeals are decided by a leader (the head who asked: refused)
    page("applications:rate", "GET", APPLICANT_SIDE, APP),
    page("applications:rate", "POST", APPLICANT_SIDE, APP, lambda w: {"level": "5"}),
    page("applications:rating_visit", "GET", roles(H, clerk=O), lambda w: {"token": w.rating_visit.token}),
    page("applications:rating_visit", "POST", roles(H, clerk=O), lambda w: {"token": w.rating_visit.token},
         lambda w: {"level": "5"}),
    page("applications:rating_ticket", "GET", roles(H, head=O, leader=O), lambda w: {"pk": w.rating_ticket.pk}),
    page("applications:rating_ticket", "POST", roles(H, head=O, leader=R), lambda w: {"pk": w.rating_ticket.pk},
         lambda w: {"action": "call", "call-call_on": today(), "call-contact": "陈建国", "call-notes": "等候时间长"}),
    page("applications:rating_appeal_decide", "POST", roles(H, head=R, leader=O),
         lambda w: {"pk": w.rating_appeal.pk}, lambda w: {"decision": "confirm", "notes": "属实"}),

    # --- notices and the staff file view (they follow their application)
    page("approvals:notice", "GET", SEES_APPLICATION, lambda w: {"public_id": w.notice.public_id}),
    page("approvals:notice_pdf", "GET", SEES_APPLICATION, lambda w: {"public_id": w.notice.public_id}),
    api("GET", "/api/approvals/notices/{public_id}/", SEES_APPLICATION, lambda w: {"public_id": w.notice.public_id}),
    page("approvals:file", "GET", BACK_OFFICE_SEES_APPLICATION, UPLOAD),
    page("approvals:certificate_pdf", "GET", SEES_APPLICATION, lambda w: {"public_id": w.certificate.public_id}),
    # A certificate's standing: the head of the item's section or a bureau leader; other staff who see the
    # application are refused; the applicant side and everyone else do not know the page.
    page("approvals:certificate_manage", "POST", roles(H, clerk=R, officer_in_section=R, inspector_on_visit=R,
                                                       head=O, leader=O, admin=R),
         lambda w: {"public_id": w.certificate.public_id}, lambda w: {"action": "suspend", "reason": "责令整改期间暂扣"}),
    # renewing a licence (Art. 50) is the holder's: its application's applicant side (an agent files with consent)
    page("approvals:renew", "GET", APPLICANT_SIDE, lambda w: {"public_id": w.certificate.public_id}),
    page("approvals:renew", "POST", APPLICANT_SIDE, lambda w: {"public_id": w.certificate.public_id}),

    # --- 审管联动 (supervision): the department's handoffs
    page("supervision:handoff", "GET", SUPERVISING, HANDOFF),
    page("supervision:handoff", "POST", DEPARTMENT_ACTS, HANDOFF, lambda w: {"kind": "inspection",
                                                                            "summary": "现场检查未见异常"}),
    page("supervision:claim", "POST", DEPARTMENT_ACTS, HANDOFF),
    page("supervision:certificate_pdf", "GET", SUPERVISING, HANDOFF),
    page("supervision:record_document", "GET", SUPERVISING,
         lambda w: {"public_id": w.handoff.public_id, "document_id": w.supervision_document.public_id}),
    api("GET", "/api/supervision/handoffs/{public_id}/", SUPERVISING, HANDOFF),
    api("POST", "/api/supervision/handoffs/{public_id}/claim/", DEPARTMENT_ACTS, HANDOFF),
    api("POST", "/api/supervision/handoffs/{public_id}/records/", DEPARTMENT_ACTS, HANDOFF,
        lambda w: {"kind": "inspection", "summary": "现场检查未见异常"}),

    # --- 办不成事反映窗口 and 12345 work orders (only a platform's token reads a work order)
    page("applications:problem", "GET", PROBLEM_SEES, PROBLEM),
    page("applications:problem_assign", "POST", PROBLEM_DESK, PROBLEM,
         lambda w: {"target": f"s{w.problem.section_id}", "days": 5, "note": "请核实"}),
    page("applications:problem_reply", "POST", PROBLEM_REPLY, PROBLEM, lambda w: {"reply": "已核实，不再要求该材料。"}),
    page("applications:problem_follow_up", "POST", PROBLEM_DESK, PROBLEM,
         lambda w: {"called_on": today(), "note": "满意", "satisfaction": "satisfied"}),
    page("applications:problem_close", "POST", PROBLEM_DESK, PROBLEM),
    api("GET", "/api/applications/hotline-orders/{work_order_number}/", roles(R, anonymous=H),
        lambda w: {"work_order_number": "YA12345-0001"}),

    # --- the intake desk (the walk-in routes on the clerk's walk-in draft)
    page("approvals:walk_in_fill", "GET", INTAKE_ACT, lambda w: {"pk": w.walk_in.pk}),
    page("approvals:walk_in_fill", "POST", INTAKE_ACT, lambda w: {"pk": w.walk_in.pk},
         lambda w: {"action": "save", "project_name": "陈记面馆", "contact_name": "陈建国"}),
    page("approvals:walk_in_upload", "POST", INTAKE_ACT, lambda w: {"pk": w.walk_in.pk},
         lambda w: {"material": w.walk_in_material.pk, "file": pdf()}),
    page("approvals:walk_in_delete_file", "POST", INTAKE_ACT,
         lambda w: {"pk": w.walk_in.pk, "public_id": w.walk_in_file.public_id}),
    page("approvals:intake", "GET", INTAKE_LOOK, APP),
    page("approvals:claim", "POST", INTAKE_ACT, APP),
    page("approvals:release", "POST", INTAKE_ACT, APP),
    # 补正收件: the world's application is accepted (not waiting for a supplement), so a clerk's POST is refused
    # by state (a message on the page, not by sight)
    page("approvals:supplement", "GET", INTAKE_LOOK, APP),
    page("approvals:supplement", "POST", INTAKE_ACT, APP, lambda w: {"action": "resubmit"}),
    page("approvals:outcome", "POST", INTAKE_ACT, lambda w: {"pk": w.application.pk, "name": "accept"},
         lambda w: {"accept-opinion": "材料齐全，符合法定形式"}),
    # the issuing window: the world's application is still accepted, so a clerk's handover is refused by state (409)
    page("approvals:handover", "GET", INTAKE_LOOK, APP),
    page("approvals:handover", "POST", INTAKE_ACT, APP, lambda w: HANDOVER),
    api("POST", "/api/approvals/intake/{id}/handover/", INTAKE_ACT, APP_ID, lambda w: HANDOVER),
    api("GET", "/api/approvals/intake/{id}/", INTAKE_LOOK, APP_ID),
    api("POST", "/api/approvals/intake/{id}/accept/", INTAKE_ACT, APP_ID, lambda w: {"opinion": "材料齐全"}),
    # the clerk lacks approvals.decide_instant: refused by the rule (not by sight)
    api("POST", "/api/approvals/intake/{id}/accept-and-decide-instant/", roles(R, anonymous=H), APP_ID,
        lambda w: {"opinion": "当场办结"}),
    api("POST", "/api/approvals/intake/{id}/accept-on-commitment/", INTAKE_ACT, APP_ID,
        lambda w: {"paper_signatory": "张丽华"}),
    api("POST", "/api/approvals/intake/{id}/accept-with-tolerance/", INTAKE_ACT, APP_ID,
        lambda w: {"materials": [{"material": w.material.pk}]}),
    api("POST", "/api/approvals/intake/{id}/claim/", INTAKE_ACT, APP_ID),
    api("POST", "/api/approvals/intake/{id}/refuse/", INTAKE_ACT, APP_ID, lambda w: {"reason": "不属于本机关职权范围"}),
    api("POST", "/api/approvals/intake/{id}/release/", INTAKE_ACT, APP_ID),
    api("POST", "/api/approvals/intake/{id}/request-supplement/", INTAKE_ACT, APP_ID,
        lambda w: {"items": [{"material": w.material.pk, "reason": "扫描件不清晰"}]}),

    # --- the case pages
    page("approvals:case", "GET", SEES_CASE, CASE),
    page("approvals:case_claim", "POST", INSPECTION_WORK, CASE, VERSION),
    page("approvals:case_release", "POST", RELEASE, CASE, VERSION),
    page("approvals:case_review", "POST", WRONG_STAGE, CASE,
         lambda w: {"review-opinion": "材料齐全", "review-version": w.case.version}),
    page("approvals:case_inspect", "POST", INSPECTION_WORK, CASE,
         lambda w: {"inspect-scheduled_on": today(), "inspect-place": "宝塔区南关街12号",
                    "inspect-inspectors": [str(pk) for pk in w.inspectors]}),
    page("approvals:case_legal", "POST", WRONG_STAGE, CASE,
         lambda w: {"legal-result": "approve", "legal-comments": "合法", "legal-version": w.case.version}),
    page("approvals:case_decide", "POST", WRONG_STAGE, CASE,
         lambda w: {"decide-result": "approve", "decide-holder_name": "张丽华", "decide-valid_from": today(),
                    "decide-version": w.case.version}),
    page("approvals:case_send_back", "POST", INSPECTION_WORK, CASE,
         lambda w: {"send_back-to_stage": "review", "send_back-reason": "需补充审查", "send_back-version": w.case.version}),
    page("approvals:case_extend", "POST", SECTION_STAFF, CASE, lambda w: {"extend-reason": "需征求意见"}),
    page("approvals:case_suspend", "POST", SECTION_STAFF, CASE,
         lambda w: {"suspend-kind": "testing", "suspend-reason": "委托检测"}),
    page("approvals:case_resume", "POST", SECTION_STAFF, CASE, lambda w: {"resume-end": ""}),
    page("approvals:case_terminate", "POST", TERMINATE, CASE,
         lambda w: {"terminate-reason": "申请人经营场所灭失", "terminate-version": w.case.version}),
    page("approvals:case_inspection_result", "POST", RECORD_RESULT, lambda w: {"pk": w.reinspection.pk},
         lambda w: {"result-outcome": "pass", "result-findings": "已整改到位", "case": w.case.pk}),
    page("approvals:case_inspection_cosign", "POST", COSIGN, lambda w: {"pk": w.reinspection.pk},
         lambda w: {"cosign-decision": "cosign", "case": w.case.pk}),
    page("approvals:case_reinspect", "POST", INSPECTION_WORK, lambda w: {"pk": w.visit.pk},
         lambda w: {"reinspect-scheduled_on": today(), "reinspect-place": ""}),
    page("approvals:case_evidence", "GET", EVIDENCE, lambda w: {"public_id": w.evidence.public_id}),
    page("approvals:case_extension_decide", "POST", HEADS_AND_LEADERS, lambda w: {"pk": w.extension.pk},
         lambda w: {"result": "approve", "opinion": "同意延期"}),

    # --- the case API
    api("GET", "/api/approvals/cases/{id}/", SEES_CASE, CASE_ID),
    api("POST", "/api/approvals/cases/{id}/claim/", INSPECTION_WORK, CASE_ID, VERSION),
    api("POST", "/api/approvals/cases/{id}/release/", RELEASE, CASE_ID, VERSION),
    api("POST", "/api/approvals/cases/{id}/review/", WRONG_STAGE, CASE_ID,
        lambda w: {"opinion": "材料齐全", "version": w.case.version}),
    api("POST", "/api/approvals/cases/{id}/schedule-inspection/", INSPECTION_WORK, CASE_ID,
        lambda w: {"scheduled_on": today(), "place": "宝塔区南关街12号", "inspectors": w.inspectors}),
    api("POST", "/api/approvals/cases/{id}/legal-review/", WRONG_STAGE, CASE_ID,
        lambda w: {"approve": True, "comments": "合法", "version": w.case.version}),
    api("POST", "/api/approvals/cases/{id}/decide/", WRONG_STAGE, CASE_ID,
        lambda w: {"approve": True, "holder_name": "张丽华", "version": w.case.version}),
    api("POST", "/api/approvals/cases/{id}/send-back/", INSPECTION_WORK, CASE_ID,
        lambda w: {"to_stage": "review", "reason": "需补充审查", "version": w.case.version}),
    api("POST", "/api/approvals/cases/{id}/request-extension/", SECTION_STAFF, CASE_ID, lambda w: {"reason": "需征求意见"}),
    api("POST", "/api/approvals/cases/{id}/suspend/", SECTION_STAFF, CASE_ID,
        lambda w: {"kind": "testing", "reason": "委托检测"}),
    api("POST", "/api/approvals/cases/{id}/resume/", SECTION_STAFF, CASE_ID),
    api("GET", "/api/approvals/inspections/{id}/", SEES_CASE, lambda w: {"id": w.reinspection.pk}),
    api("POST", "/api/approvals/inspections/{id}/result/", RECORD_RESULT, lambda w: {"id": w.reinspection.pk},
        lambda w: {"outcome": "pass", "findings": "已整改到位"}, multipart=True),
    api("POST", "/api/approvals/inspections/{id}/cosign/", COSIGN, lambda w: {"id": w.reinspection.pk}),
    api("POST", "/api/approvals/inspections/{id}/return-record/", COSIGN, lambda w: {"id": w.reinspection.pk},
        lambda w: {"comment": "整改情况与现场不符"}),
    api("POST", "/api/approvals/inspections/{id}/reinspect/", INSPECTION_WORK, lambda w: {"id": w.visit.pk},
        lambda w: {"scheduled_on": today()}),
    api("POST", "/api/approvals/extensions/{id}/decide/", HEADS_AND_LEADERS, lambda w: {"id": w.extension.pk},
        lambda w: {"approve": True, "opinion": "同意延期"}),
]
TABLE = {row.key: row for row in ROWS}
assert len(TABLE) == len(ROWS), "a key appears twice in ROWS"


# --- discovery -------------------------------------------------------------------------------------------------------

ID_CONVERTERS = (IntConverter, UUIDConverter)
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# The Django admin (is_staff, ModelAdmin permissions) is not the portal's object policy.
SKIPPED_NAMESPACES = {"admin"}


def view_methods(callback) -> list[str] | None:
    """The methods a view accepts, read from its require_http_methods decorator (None when unrestricted)."""
    func, seen = callback, set()
    while func is not None and id(func) not in seen:
        seen.add(id(func))
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (isinstance(value, (list, tuple)) and value
                    and all(isinstance(v, str) and v in HTTP_METHODS | {"HEAD", "OPTIONS"} for v in value)):
                return sorted(set(value) & HTTP_METHODS)
        func = getattr(func, "__wrapped__", None)
    return None


def walk_urlconf():
    """(full name, route, pattern, view, converters) of every URL pattern (the admin site left out), recursively."""
    found = []

    def walk(resolver, prefix, namespace, converters):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                ns = entry.namespace
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                more = dict(converters, **getattr(entry.pattern, "converters", {}))
                walk(entry, prefix + str(entry.pattern), full, more)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                found.append((name, prefix + str(entry.pattern), entry.pattern, entry.callback,
                              dict(converters, **getattr(entry.pattern, "converters", {}))))

    walk(get_resolver(), "", None, {})
    return found


def discovered_pages() -> set[tuple[str, str]]:
    keys = set()
    for name, route, pattern, callback, converters in walk_urlconf():
        if not isinstance(pattern, RoutePattern) or not any(isinstance(c, ID_CONVERTERS) for c in converters.values()):
            continue
        methods = view_methods(callback) or ["GET", "POST"]  # an unrestricted view answers both
        keys.update((name, method) for method in methods)
    return keys


def api_regex_routes() -> set[str]:
    """The router's routes that take an id (format-suffix twins left out), as path templates with {}."""
    routes = set()
    for _name, route, pattern, _callback, _converters in walk_urlconf():
        if not isinstance(pattern, RegexPattern) or not route.startswith("api/"):
            continue
        groups = set(pattern.regex.groupindex)
        if not groups or "format" in groups:
            continue
        template = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", route.replace("^", "").replace("$", ""))
        routes.add("/" + template)
    return routes


def schema_operations(client) -> set[tuple[str, str]]:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    try:
        schema = json.loads(body)
    except ValueError:
        import yaml

        schema = yaml.safe_load(body)
    return {(method.upper(), path) for path, operations in schema["paths"].items() if "{" in path
            for method in operations if method.upper() in HTTP_METHODS}


def test_every_endpoint_taking_an_id_has_a_row(client):
    """A page or API operation that takes an object id and has no row in the table fails here (and a row for
    something that no longer exists)."""
    operations = schema_operations(client)
    discovered = discovered_pages() | operations
    missing = sorted(discovered - set(TABLE))
    extra = sorted(set(TABLE) - discovered)
    assert not missing and not extra, (
        "The access matrix is out of date.\n"
        + "".join(f"  missing row: {key}\n" for key in missing)
        + "".join(f"  row for nothing: {key}\n" for key in extra))
    # Every router route that takes an id is in the schema (an endpoint left out of the schema is not unchecked).
    in_schema = {re.sub(r"\{[^}]+\}", "{}", path) for _method, path in operations}
    hidden = sorted(api_regex_routes() - in_schema)
    assert not hidden, f"API routes taking an id but missing from the OpenAPI schema: {hidden}"
    for row in ROWS:
        if row.expect is not None:
            assert row.expect["anonymous"] == HIDDEN, f"{row.label()}: the anonymous visitor must see nothing"
            assert set(row.expect) == set(ROLES), row.label()
            assert set(row.expect.values()) <= {HIDDEN, REFUSED, OPEN}, row.label()


# --- running the matrix ----------------------------------------------------------------------------------------------

LOGIN_PATH = resolve_url(settings.LOGIN_URL)


def classify(response, role: str, is_api: bool) -> str:
    status = response.status_code
    if status == 404:
        return HIDDEN
    location = response.get("Location", "") if status in (301, 302, 303, 307) else ""
    to_login = bool(location) and location.split("?")[0] == LOGIN_PATH
    if role == "anonymous" and (to_login or (is_api and status in (401, 403))):
        return HIDDEN
    if status == 403:
        return REFUSED
    if to_login or status == 405 or status >= 500:
        return f"unexpected {status}"
    return OPEN


def tables() -> list[str]:
    names = []
    for label in ("portal", "catalog", "applications", "approvals", "supervision"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            names.append(model._meta.db_table)
    return sorted(set(names))


def snapshot(names: list[str]) -> dict[str, str]:
    """A digest of every row of every table of the project's apps (row count and the sum of the rows' hashes,
    which needs no sort), in one query."""
    columns = ", ".join(
        f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) "
        f"FROM {connection.ops.quote_name(n)} t)" for n in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(names, cursor.fetchone()))


def send(client: Client, row: Row, world: World):
    url = row.url(world)
    data = row.data(world) if row.data else {}
    method = row.method.lower()
    if row.method == "GET":
        return client.get(url)
    if row.api and row.json:
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    return getattr(client, method)(url, data)


def describe(response) -> str:
    text = f"{response.status_code}"
    if response.get("Location"):
        text += f" -> {response['Location']}"
    elif response.status_code in (400, 403, 409) and response.get("Content-Type", "").startswith("application/json"):
        text += f" {response.content.decode()[:160]}"
    return text


def payload_rejected(response, row: Row) -> bool:
    """The row's payload failed the form or serializer (so the request may never have reached the check)."""
    if row.method == "GET" or response.streaming:
        return False
    if row.api:
        if response.status_code != 400:
            return False
        try:
            return set(response.json()) != {"detail"}
        except ValueError:
            return True
    return 'class="errorlist' in response.content.decode(errors="replace")


@contextmanager
def quiet_request_log():
    """The 4xx warnings of a thousand requests are noise here (and time)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_matrix(world: World, rows) -> tuple[list[str], list[str], int]:
    """Every row for every role; each request in a savepoint rolled back, so all of them see the same world.
    Its digest (and so the number of audit rows) is taken once: after a hidden or refused write, inside the
    request's savepoint, every table must still match it."""
    names = tables()
    audit_table = AuditEvent._meta.db_table
    baseline = snapshot(names)
    mismatches, side_effects, requests = [], [], 0
    with quiet_request_log():
        for row in rows:
            if row.expect is None:
                continue
            write = row.method != "GET"
            for role in ROLES:
                expected = row.expect[role]
                requests += 1
                with transaction.atomic():
                    try:
                        response = send(world.clients[role], row, world)
                    except Exception as exc:  # noqa: BLE001 - a crash is a row result too
                        mismatches.append(f"{row.label()} | {role}: expected {expected}, got an error ({exc!r:.200})")
                        transaction.set_rollback(True)
                        continue
                    got, detail = classify(response, role, row.api), describe(response)
                    if payload_rejected(response, row):
                        got = f"{got} with the payload rejected by the form or serializer"
                    if getattr(response, "file_to_stream", None) is not None:
                        response.file_to_stream.close()  # not response.close(): that closes the connection
                    if got != expected:
                        mismatches.append(f"{row.label()} | {role}: expected {expected}, got {got} ({detail})")
                    if write and (got in (HIDDEN, REFUSED) or expected in (HIDDEN, REFUSED)):
                        now = snapshot(names)
                        new_audits = int(now[audit_table].split(":")[0]) - int(baseline[audit_table].split(":")[0])
                        changed = [n for n, digest in now.items() if baseline[n] != digest]
                        if new_audits or changed:
                            side_effects.append(f"{row.label()} | {role} ({got}): {new_audits} new AuditEvent "
                                                f"row(s), changed tables {changed}")
                    transaction.set_rollback(True)
    return mismatches, side_effects, requests


def check_world(world: World) -> None:
    case = ApprovalCase.objects.get(pk=world.case.pk)
    assert case.stage == Stage.INSPECTION and case.assignee_id == world.people["officer_in_section"].pk
    assert case.accepted_by_id == world.people["clerk"].pk and case.suspended_since is None
    assert world.application.filed_by_id == world.people["agent_with_consent"].pk
    assert world.application.status == Status.ACCEPTED and world.application.channel != Channel.WINDOW
    assert Inspection.objects.get(pk=world.visit.pk).outcome == Inspection.Outcome.RECTIFY
    reinspection = Inspection.objects.get(pk=world.reinspection.pk)
    assert reinspection.outcome == "" and reinspection.proposed_outcome == Inspection.Outcome.PASS
    assert Inspection.objects.get(pk=world.visit.pk).cosigned_by_id not in (None, world.people["inspector_on_visit"].pk)
    assert set(world.reinspection.inspectors.values_list("pk", flat=True)) >= {world.people["inspector_on_visit"].pk}
    assert ExtensionRequest.objects.get(pk=world.extension.pk).status == ExtensionRequest.Status.PENDING
    assert not LegalReview.objects.filter(case=case).exists()
    assert world.walk_in.status == Status.DRAFT and world.walk_in.channel == Channel.WINDOW


def test_the_leaks_of_issue_9_answer_404(world):
    """Uploads and notices of an application one may not see, and notices read by counting ids: 404."""
    c = world.clients
    upload, notice = world.upload.public_id, world.notice
    failures = []

    def expect(role, path, status):
        got = c[role].get(path).status_code
        if got != status:
            failures.append(f"{role} GET {path}: expected {status}, got {got}")

    expect("officer_other_section", f"/files/{upload}/", 404)
    expect("officer_other_section", f"/office/files/{upload}/", 404)
    for role in ("owner", "clerk", "leader", "admin"):  # even those who may read the notice cannot count to it
        expect(role, "/office/notices/1/", 404)
        expect(role, f"/office/notices/{notice.pk}/", 404)
        expect(role, f"/api/approvals/notices/{notice.pk}/", 404)
        expect(role, f"/office/notices/{notice.public_id}/", 200)
        expect(role, f"/api/approvals/notices/{notice.public_id}/", 200)
    for role in ("other_applicant", "agent_without_consent", "officer_other_section", "legal", "department"):
        expect(role, f"/office/notices/{notice.public_id}/", 404)
        expect(role, f"/api/approvals/notices/{notice.public_id}/", 404)
    assert not failures, "\n".join(failures)


def test_access_matrix(world):
    check_world(world)
    started = time.monotonic()
    mismatches, side_effects, requests = run_matrix(world, ROWS)
    elapsed = time.monotonic() - started
    problems = []
    if mismatches:
        problems.append(f"{len(mismatches)} answer(s) differ from the access matrix:\n  " + "\n  ".join(mismatches))
    if side_effects:
        problems.append("hidden or refused requests that changed something:\n  " + "\n  ".join(side_effects))
    assert not problems, "\n".join(problems) + f"\n({requests} requests in {elapsed:.1f} s)"
