"""The renewal sweeps at the same moment, each in its own thread and database connection (real PostgreSQL): two
workers running the deemed-renewal sweep issue one renewed licence; two running the reminder sweep remind once;
two clicks on "申请延续" make one renewal."""
from datetime import timedelta

import pytest

from approvals.certificates.models import Certificate
from approvals.renewals import services as renewals
from approvals.renewals.models import ExpiryReminder, Renewal
from portal import clock
from portal.errors import Conflict
from portal.models import AuditEvent, Notification
from tests.test_applications_concurrency import run_at_once
from tests.test_renewals import filed_renewal, licence

pytestmark = pytest.mark.django_db(transaction=True)

T = clock.today()


@pytest.fixture
def flow(settings):
    from approvals.testing import Flow

    settings.LICENCE_EXPIRY_REMINDER_DAYS = [90, 30, 7]
    return Flow.build()


def test_two_deemed_renewal_sweeps_at_once_issue_one_licence(flow):
    olds = [licence(flow, until=40) for _ in range(3)]
    for old in olds:
        filed_renewal(flow, old)
    after = T + timedelta(days=41)
    results, errors, _seconds = run_at_once([lambda: renewals.sweep_deemed_renewals(today=after)] * 2)
    assert errors == [] and sum(results) == 3
    for old in olds:
        assert Certificate.objects.filter(renews=old, basis=Certificate.Basis.DEEMED_RENEWAL).count() == 1
    assert AuditEvent.objects.filter(action="case_deemed_granted").count() == 3
    assert Renewal.objects.filter(outcome=Renewal.Outcome.DEEMED_GRANTED).count() == 3


def test_two_reminder_sweeps_at_once_remind_once(flow):
    for _ in range(3):
        licence(flow, until=100)
    on = T + timedelta(days=10)
    results, errors, _seconds = run_at_once([lambda: renewals.sweep_licence_expiry_reminders(today=on)] * 2)
    assert errors == [] and sum(results) == 3
    assert ExpiryReminder.objects.count() == 3
    assert Notification.objects.filter(title="证照即将到期").count() == 3


def test_two_clicks_on_renew_make_one_renewal(flow):
    old = licence(flow, until=100)
    _results, errors, _seconds = run_at_once([lambda: renewals.start_renewal(old, flow.applicant_user)] * 2)
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert Renewal.objects.filter(certificate=old).count() == 1
