"""Two clerks (or a clerk and the applicant) acting on the same application at once: one wins, the other is
told clearly, and nothing is half-done."""
import pytest

from applications import services as app_services
from portal.errors import Conflict
from applications.models import Application, Status
from applications.testing import submitted_application
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, Notice
from portal.models import AuditEvent
from portal.roles import Role
from tests.test_applications_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_clerks_accepting_at_once_one_wins_one_is_told(make_user):
    applicant = make_user(Role.APPLICANT, real_name="张丽华")
    first, second = make_user(Role.WINDOW_CLERK), make_user(Role.WINDOW_CLERK)
    application = submitted_application(applicant)
    seen_by_first = Application.objects.get(pk=application.pk)
    seen_by_second = Application.objects.get(pk=application.pk)
    results, errors, _seconds = run_at_once([
        lambda: intake_services.accept(seen_by_first, first),
        lambda: intake_services.refuse(seen_by_second, second, reason="材料不符合要求"),
    ])
    assert len(errors) == 1 and len([r for r in results if r is not None]) == 1
    assert isinstance(errors[0], Conflict)
    assert "已被他人处理" in errors[0].messages[0]
    application.refresh_from_db()
    assert application.status in (Status.ACCEPTED, Status.REFUSED)
    decisions = AuditEvent.objects.filter(object_id=str(application.pk), object_type="applications.application",
                                          action__in=["accept", "refuse"])
    assert decisions.count() == 1
    assert Notice.objects.filter(application=application).count() == 1
    assert ApprovalCase.objects.filter(application=application).count() == (
        1 if application.status == Status.ACCEPTED else 0)


def test_the_applicant_withdrawing_while_a_clerk_refuses(make_user):
    applicant = make_user(Role.APPLICANT, real_name="张丽华")
    clerk = make_user(Role.WINDOW_CLERK)
    application = submitted_application(applicant)
    results, errors, _seconds = run_at_once([
        lambda: intake_services.refuse(Application.objects.get(pk=application.pk), clerk, reason="不符合条件"),
        lambda: app_services.withdraw(Application.objects.get(pk=application.pk), applicant, "不办了"),
    ])
    application.refresh_from_db()
    assert application.status in (Status.REFUSED, Status.WITHDRAWN)
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    ends = AuditEvent.objects.filter(object_id=str(application.pk), object_type="applications.application",
                                     action__in=["refuse", "withdraw"]).count()
    assert ends == 1
