"""Builders shared by the 好差评 tests: a closed application (through the real services) and hand-made ratings."""
from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone

from applications.models import Application
from applications.ratings.models import Rating, RectificationTicket, WindowVisit
from approvals.cases import services as case_services
from approvals.intake import services as intake_services


def closed_application(flow, item=None) -> Application:
    """An application of the flow's applicant decided and handed over by post: closed (办结)."""
    case = flow.case() if item is None else None
    if case is None:
        from approvals.models import ApprovalCase

        case = ApprovalCase.objects.get(application=flow.accepted(item=item))
    case = case_services.claim_case(case, flow.reviewer)
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
    case = case_services.claim_case(case, flow.certifier)
    case_services.decide(case, flow.certifier, True)
    application = Application.objects.select_related("applicant").get(pk=case.application_id)
    intake_services.record_handover(application, flow.clerk, method="post", recipient_name="张丽华", carrier="sf",
                                    tracking_number="SF1234567890")
    return Application.objects.select_related("applicant").get(pk=application.pk)


def at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def window_rating(clerk, level: int, when: datetime, *, item=None, section=None, department=None,
                  malicious: bool = False) -> Rating:
    """A rating made directly (for the figures' hand-computed dataset): a window visit's."""
    visit = WindowVisit.objects.create(clerk=clerk)
    rating = Rating.objects.create(visit=visit, channel="1", level=level, item=item, section=section,
                                   department=department, malicious=malicious)
    Rating.objects.filter(pk=rating.pk).update(created_at=when)
    return rating


def ticket(rating, due_on, status="awaiting_call", *, closed_at=None, by=None) -> RectificationTicket:
    fields = {}
    if status in ("called", "rectified", "closed"):
        fields.update(call_on=due_on, call_by=by, call_contact="本人", call_notes="反映等候时间长")
    if status in ("rectified", "closed"):
        fields.update(rectified_at=closed_at or timezone.now(), rectified_by=by, rectification="已整改")
    if status == "closed":
        fields.update(closed_at=closed_at, closed_by=by, applicant_view="satisfied")
    return RectificationTicket.objects.create(rating=rating, section=rating.section, due_on=due_on, status=status,
                                              **fields)
