"""Builders for the staged workflow's tests and demo data (not used by requests): a section with its people and
accepted applications whose cases wait in the review queue. They go through the real services.

    flow = Flow.build()                       # section, clerk, reviewer, two inspectors, certifier, head, ...
    case = flow.case(inspection=True)          # one accepted case of a new item with those flags
    cases = flow.bundle_cases(2)               # a jointly handled bundle, accepted: two cases
"""
from __future__ import annotations

import itertools

from applications import testing as app_testing
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase
from catalog import services as catalog_services
from catalog.models import Section
from portal.models import User
from portal.roles import Role
from portal.services import grant_role

_counter = itertools.count(1)


def make_person(role: Role, name: str, *, section: Section | None = None) -> User:
    n = next(_counter)
    user = User.objects.create_user(username=f"{role.value}-{n}", password="pass-12345", real_name=name)
    grant_role(user, role)
    if section is not None:
        section.members.add(user)
    return User.objects.get(pk=user.pk)


class Flow:
    """The people of one section and builders of accepted cases in it."""

    def __init__(self, section: Section):
        self.section = section
        self.clerk = make_person(Role.WINDOW_CLERK, "王晓燕")
        self.reviewer = make_person(Role.APPROVAL_OFFICER, "李审查", section=section)
        self.inspector1 = make_person(Role.APPROVAL_OFFICER, "赵勘验", section=section)
        self.inspector2 = make_person(Role.APPROVAL_OFFICER, "钱勘验", section=section)
        self.certifier = make_person(Role.APPROVAL_OFFICER, "孙决定", section=section)
        self.head = make_person(Role.SECTION_HEAD, "周科长", section=section)
        self.leader = make_person(Role.BUREAU_LEADER, "吴局长")
        self.legal = make_person(Role.LEGAL_REVIEWER, "郑法制")
        self.applicant_user = make_person(Role.APPLICANT, "张丽华")
        Section.objects.filter(pk=section.pk).update(head=self.head)
        self.section.refresh_from_db()

    @classmethod
    def build(cls, section: Section | None = None) -> Flow:
        if section is None:
            _department, section = app_testing.section_and_departments()
        return cls(section)

    @property
    def inspectors(self) -> list[User]:
        return [self.inspector1, self.inspector2]

    def item(self, *, inspection: bool = False, legal: bool = False, statutory: int = 20, promised: int = 10,
             validity_years: int | None = 5, name: str | None = None):
        item = app_testing.make_item(name or f"测试许可{next(_counter)}", statutory=statutory, promised=promised,
                                     publish=False)
        item.section = self.section
        item.inspection_required = inspection
        item.legal_review_required = legal
        item.certificate_name = "许可证"
        item.certificate_validity_years = validity_years
        item.save()
        catalog_services.publish_item(item)
        return item

    def accepted(self, *, item=None, bundle=None):
        application = app_testing.submitted_application(self.applicant_user, item=item, bundle=bundle)
        intake_services.accept(application, self.clerk)
        application.refresh_from_db()
        return application

    def case(self, **flags) -> ApprovalCase:
        application = self.accepted(item=self.item(**flags))
        return ApprovalCase.objects.get(application=application)

    def bundle_cases(self, count: int = 2, *, handling: str = "parallel", **flags) -> list[ApprovalCase]:
        items = [self.item(**flags) for _ in range(count)]
        bundle = app_testing.make_bundle(f"测试一件事{next(_counter)}", items, handling=handling)
        application = self.accepted(bundle=bundle)
        return list(ApprovalCase.objects.filter(application=application).order_by("id"))


def make_warned(case: ApprovalCase, colour: str = "red", *, alarm: bool = False) -> ApprovalCase:
    """Tests only: move a case's dates so that today it is red (its promised date passed) or yellow (one working
    day left), in statutory alarm when asked, with the timer days arm() gives those dates (the colour is derived
    from them when read: no sweep needed)."""
    from approvals import clockwork, timers
    from portal import clock

    today = clock.today()
    promised = clock.subtract_working_days(today, 1) if colour == "red" else clock.add_working_days(today, 1)
    statutory = clock.add_working_days(today, 1) if alarm else case.statutory_due_date
    armed = clockwork.timers(clock.work_calendar(), clockwork.DueDates(statutory, promised),
                             timers.yellow_working_days(), timers.alarm_working_days())
    ApprovalCase.objects.filter(pk=case.pk).update(
        promised_due_date=promised, statutory_due_date=statutory, yellow_from=armed.yellow_from,
        red_from=armed.red_from, statutory_alarm_from=armed.statutory_alarm_from)
    return ApprovalCase.objects.get(pk=case.pk)


def visit_day_arrives(visit):
    """Tests only: the visit's date has come (moves a future visit to today, as if the calendar had turned)."""
    from approvals.models import Inspection
    from portal import clock

    Inspection.objects.filter(pk=visit.pk, scheduled_on__gt=clock.today()).update(scheduled_on=clock.today())
    return Inspection.objects.get(pk=visit.pk)


def record_and_cosign(visit, recorder: User, cosigner: User, findings: str, outcome: str, **kwargs):
    """One inspector records the visit's result and the other co-signs it (会签, Art. 34), so the result takes
    effect; returns the visit."""
    from approvals.cases import services as case_services

    case_services.record_inspection_result(visit, recorder, findings, outcome, **kwargs)
    return case_services.cosign_inspection(visit, cosigner)


def draft_and_pass(flow: Flow, case: ApprovalCase, approve: bool = True, comments: str = "合法", **kwargs):
    """An item flagged for legal review: the certifier drafts the decision, legal review passes it; the Decision."""
    from approvals.cases import services as case_services

    case_services.decide(case, flow.certifier, approve, **kwargs)
    case = ApprovalCase.objects.get(pk=case.pk)
    case_services.legal_review(case, flow.legal, True, comments)
    return ApprovalCase.objects.get(pk=case.pk).decision
