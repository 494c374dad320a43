"""The timers on the legal clock: yellow on the right working day before the promised date, red the day after
it, the statutory alarm; the colour derived from the timer days when read (Python and SQL agree); each warning
told once (sweeping twice, or after a week of missed sweeps, tells nobody twice); the sweep writes no case and its
statement count does not grow with the number of cases; rectification deadlines; the beat schedule."""
import copy
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from approvals import tasks, timers
from approvals.cases import selectors as case_selectors
from approvals.cases import services as case_services
from approvals.cases.models import colour_of, colour_sql
from approvals.models import ApprovalCase, CaseWarning, Colour, Inspection, TimerSweep
from approvals.testing import Flow, record_and_cosign
from portal import clock
from portal.models import AuditEvent, Notification, NotificationDelivery, User

pytestmark = pytest.mark.django_db
ONE_DAY = timedelta(days=1)


@pytest.fixture
def flow(db):
    return Flow.build()


def previous_working_day(day):
    day -= ONE_DAY
    while not clock.is_working_day(day):
        day -= ONE_DAY
    return day


SHORT = {"黄色预警": "黄色", "红色预警": "红色", "法定时限告警": "法定时限告警"}


def digests_to(user):
    """The messages of the sweep to this person (one per sweep that warned them)."""
    return Notification.objects.filter(recipient=user, title__startswith="办件时限预警")


def warnings_to(user, word):
    """How many warnings of this kind the person was told, summed over the sweeps' messages."""
    return sum(int(re.search(rf"{SHORT[word]} (\d+) 件", n.body).group(1)) for n in digests_to(user))


def recorded(case, kind):
    return CaseWarning.objects.filter(case=case, kind=kind).count()


def test_yellow_on_the_working_day_the_threshold_says_red_the_day_after_the_promised_date_notified_once(flow, settings):
    settings.APPROVAL_YELLOW_WORKING_DAYS = 2
    settings.APPROVAL_WARNING_CHANNELS = ["sms"]
    User.objects.filter(pk=flow.reviewer.pk).update(mobile="13900000011")
    User.objects.filter(pk=flow.head.pk).update(mobile="13900000012")
    flow.case(statutory=20, promised=10)
    case = case_services.take_next(flow.reviewer, "review")
    promised = case.promised_due_date
    yellow_day = clock.subtract_working_days(promised, 2)
    assert clock.is_working_day(yellow_day) and clock.working_days_left(promised, on=yellow_day) == 2
    assert case.yellow_from == yellow_day and case.red_from == promised + ONE_DAY

    assert timers.sweep_timers(previous_working_day(yellow_day)) == 0
    assert timers.sweep_timers(yellow_day - ONE_DAY) == 0
    assert ApprovalCase.objects.get(pk=case.pk).colour_on(yellow_day - ONE_DAY) == Colour.GREEN

    assert timers.sweep_timers(yellow_day) == 1
    assert ApprovalCase.objects.get(pk=case.pk).colour_on(yellow_day) == Colour.YELLOW
    assert timers.sweep_timers(yellow_day) == 0  # the same day again: nothing changes, nobody is told twice
    assert timers.sweep_timers(promised) == 0  # still yellow on the promised day itself
    assert warnings_to(flow.reviewer, "黄色预警") == 1  # the holder
    assert warnings_to(flow.head, "黄色预警") == 1  # and the section head
    assert recorded(case, "yellow") == 1  # the case's record of it (its history shows it)
    # one message each per sweep, in the bell and by SMS to those who have a mobile number, naming the case
    sms = NotificationDelivery.objects.filter(notification__title__startswith="办件时限预警", channel="sms")
    assert sorted(sms.values_list("address", flat=True)) == ["13900000011", "13900000012"]
    assert set(sms.values_list("notification__body", flat=True)) == {
        f"今日预警：红色 0 件，黄色 1 件，法定时限告警 0 件（{case.application.case_number}）。请登录一窗通及时处理。"}
    assert digests_to(flow.head).get().url == "/office/cases/overview/"
    assert digests_to(flow.reviewer).get().url == "/office/cases/mine/"

    assert timers.sweep_timers(promised + ONE_DAY) == 1
    assert ApprovalCase.objects.get(pk=case.pk).colour_on(promised + ONE_DAY) == Colour.RED
    assert timers.sweep_timers(promised + ONE_DAY) == 0
    assert timers.sweep_timers(promised + 3 * ONE_DAY) == 0
    assert warnings_to(flow.reviewer, "红色预警") == 1 and warnings_to(flow.head, "红色预警") == 1
    assert recorded(case, "red") == 1 and digests_to(flow.head).count() == 2
    # the sweeps that warned are audited (the cases are in CaseWarning); the case's history shows both warnings
    assert AuditEvent.objects.filter(action="timer_sweep", object_type="approvals.timersweep").count() == 2
    history = [e.opinion for e in case_selectors.case_history(case) if e.action == "case_warning"]
    assert history == [f"黄色预警（承诺办结日期 {promised}）", f"红色预警（承诺办结日期 {promised}）"]


def test_an_unassigned_case_warns_the_section_head_once(flow):
    case = flow.case()
    assert timers.sweep_timers(case.yellow_from) == 1
    digests = Notification.objects.filter(title__startswith="办件时限预警")
    assert warnings_to(flow.head, "黄色预警") == 1 and digests_to(flow.head).count() == digests.count() == 1


def test_the_statutory_alarm(flow, settings):
    settings.APPROVAL_STATUTORY_ALARM_WORKING_DAYS = 3
    case = flow.case(statutory=20, promised=10)
    alarm_day = clock.subtract_working_days(case.statutory_due_date, 3)
    assert case.statutory_alarm_from == alarm_day
    timers.sweep_timers(previous_working_day(alarm_day))
    assert not ApprovalCase.objects.get(pk=case.pk).statutory_alarm_on(previous_working_day(alarm_day))
    assert warnings_to(flow.head, "法定时限告警") == 0
    timers.sweep_timers(alarm_day)
    case = ApprovalCase.objects.get(pk=case.pk)
    assert case.statutory_alarm_on(alarm_day) and case.colour_on(alarm_day) == Colour.RED
    assert warnings_to(flow.head, "法定时限告警") == 1
    timers.sweep_timers(alarm_day + ONE_DAY)
    assert warnings_to(flow.head, "法定时限告警") == 1


def test_an_extension_turns_a_red_case_green_and_it_can_warn_again_on_the_new_dates(flow):
    case = flow.case()
    timers.sweep_timers(case.red_from)
    assert ApprovalCase.objects.get(pk=case.pk).colour_on(case.red_from) == Colour.RED
    extension = case_services.request_extension(case, flow.reviewer, "需要会商")
    case_services.decide_extension(extension, flow.head, True, "同意")
    case = ApprovalCase.objects.get(pk=case.pk)
    assert case.colour == Colour.GREEN and case.red_from == case.promised_due_date + ONE_DAY
    timers.sweep_timers(case.yellow_from)
    # Straight to red on the old dates (nobody swept in between), yellow again on the new ones.
    assert warnings_to(flow.head, "红色预警") == 1 and warnings_to(flow.head, "黄色预警") == 1
    timers.sweep_timers(case.red_from)
    assert warnings_to(flow.head, "红色预警") == 2


def test_closed_and_suspended_cases_are_not_swept(flow):
    case = flow.case()
    case_services.suspend(case, flow.reviewer, "testing", "送检")
    assert timers.sweep_timers(case.red_from + 30 * ONE_DAY) == 0


def clone_cases(case: ApprovalCase, count: int) -> None:
    """`count` more open cases like `case`, each on its own application (bulk, no services)."""
    application = Application.objects.get(pk=case.application_id)
    applications = []
    for i in range(count):
        twin = copy.copy(application)
        twin.pk = twin.id = None
        twin.case_number = f"{application.case_number}-{i}"
        applications.append(twin)
    Application.objects.bulk_create(applications)
    twins = []
    for twin_application in applications:
        twin = copy.copy(case)
        twin.pk = twin.id = None
        twin.application = twin_application
        twins.append(twin)
    ApprovalCase.objects.bulk_create(twins)


def sweep_statements(flow, count: int) -> tuple[int, int]:
    case = flow.case()
    clone_cases(case, count - 1)
    with CaptureQueriesContext(connection) as queries:
        changed = timers.sweep_timers(case.red_from)
    return changed, len(queries)


def test_the_sweep_runs_a_constant_number_of_statements_for_10_or_200_cases(db):
    small_changed, small = sweep_statements(Flow.build(), 10)
    from catalog.testing import make_section

    large_changed, large = sweep_statements(Flow.build(make_section()), 200)
    assert (small_changed, large_changed) == (10, 200)
    # ONE statement (records, messages, their SMS/e-mail copies, the audit row), inside the transaction's savepoint
    assert small == large <= 3, (small, large)
    assert CaseWarning.objects.filter(kind="red").count() == 210
    assert Notification.objects.filter(title__startswith="办件时限预警").count() == 2  # one head each
    assert timers.sweep_timers(clock.today() + 400 * ONE_DAY) == 210  # statutory alarm now, still constant


def test_overdue_rectification_is_flagged_once(flow):
    flow.case(inspection=True)
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需勘验")
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    deadline = clock.add_working_days(clock.today(), 3)
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "需整改", "rectify", rectify_deadline=deadline)
    assert case_services.sweep_overdue_rectifications(deadline) == 0
    assert case_services.sweep_overdue_rectifications(deadline + ONE_DAY) == 1
    assert case_services.sweep_overdue_rectifications(deadline + 2 * ONE_DAY) == 0
    assert Inspection.objects.get(pk=visit.pk).rectify_overdue_at is not None
    assert Notification.objects.filter(recipient=flow.certifier, title__startswith="整改期限已过").count() == 1
    assert Notification.objects.filter(recipient=flow.head, title__startswith="整改期限已过").count() == 1


def test_a_reinspection_stops_the_rectification_flag(flow):
    flow.case(inspection=True)
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需勘验")
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    deadline = clock.add_working_days(clock.today(), 3)
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "需整改", "rectify", rectify_deadline=deadline)
    case_services.schedule_reinspection(visit, deadline, flow.certifier)
    assert case_services.sweep_overdue_rectifications(deadline + ONE_DAY) == 0


def test_the_beat_runs_every_sweep_and_the_tasks_are_safe_to_run_twice(flow):
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    names = {entry["task"] for entry in schedule.values()}
    for task in ("sweep_timers", "sweep_overdue_rectifications", "sweep_deemed_acceptance",
                 "sweep_lapsed_supplements", "sweep_overdue_tolerated_materials"):
        assert f"approvals.tasks.{task}" in names
        assert getattr(tasks, task).name == f"approvals.tasks.{task}"
    flow.case()
    assert tasks.sweep_timers() == 0 and tasks.sweep_timers() == 0
    assert tasks.sweep_overdue_rectifications() == 0


def test_a_new_case_shows_todays_colour_from_the_first_minute():
    """Issue: a new case with 2 working days left showed 正常 until the next daily sweep."""
    flow = Flow.build()
    case = flow.case(statutory=2, promised=2)
    assert case.colour == Colour.YELLOW  # 2 working days left = the yellow threshold
    assert ApprovalCase.objects.get(pk=case.pk).yellow_from <= clock.today()


def test_a_week_of_missed_sweeps_sends_each_warning_once(flow):
    """The sweep sends every warning whose day lies after the last day swept: nothing is lost when the beat
    stopped for a week, nothing is sent twice when it runs every day again (or twice a day)."""
    cases = [flow.case(statutory=10, promised=2), flow.case(statutory=20, promised=4),
             flow.case(statutory=20, promised=8), flow.case(statutory=40, promised=30)]
    start = clock.today()
    already = Notification.objects.count()
    days = [start, start + 7 * ONE_DAY] + [start + n * ONE_DAY for n in range(8, 30)]  # a week missed, then daily
    for day in days:
        timers.sweep_timers(day)
        assert timers.sweep_timers(day) == 0  # twice the same day: nobody is told twice

    def covered_by(threshold):
        return next((day for day in days if day >= threshold), None)

    expected_total = 0
    for case in cases:
        case = ApprovalCase.objects.get(pk=case.pk)
        told = {word: recorded(case, kind) for word, kind in (("黄色预警", "yellow"), ("红色预警", "red"),
                                                                ("法定时限告警", "alarm"))}
        yellow_day = covered_by(case.yellow_from)
        expected = {"黄色预警": int(yellow_day is not None and case.red_from > yellow_day),
                    "红色预警": int(covered_by(case.red_from) is not None),
                    "法定时限告警": int(covered_by(case.statutory_alarm_from) is not None)}
        assert told == expected, (case.yellow_from, case.red_from, case.statutory_alarm_from)
        expected_total += sum(expected.values())
    assert expected_total >= 6
    # the head (nobody holds them) was told each once, in one message per sweep that warned
    assert sum(warnings_to(flow.head, word) for word in SHORT) == expected_total
    assert Notification.objects.count() - already == digests_to(flow.head).count() < expected_total
    assert TimerSweep.objects.filter(day=days[1]).exists()


def test_the_sweep_writes_no_case_and_tells_nobody_on_a_day_without_thresholds(flow):
    case = flow.case()
    with CaptureQueriesContext(connection) as queries:
        assert timers.sweep_timers(case.yellow_from) == 1
    assert all("UPDATE APPROVALS_APPROVALCASE" not in q["sql"].upper() for q in queries.captured_queries)
    assert ApprovalCase.objects.get(pk=case.pk).version == case.version
    assert timers.sweep_timers(case.yellow_from + ONE_DAY) == 0


def test_the_colour_in_python_and_in_sql_agree(flow):
    case = flow.case(statutory=20, promised=10)
    days = [case.yellow_from - ONE_DAY, case.yellow_from, case.promised_due_date, case.red_from,
            case.red_from + 5 * ONE_DAY]
    for day in days:
        in_sql = ApprovalCase.objects.filter(pk=case.pk).annotate(c=colour_sql(day)).values_list("c", flat=True)[0]
        assert in_sql == colour_of(case.yellow_from, case.red_from, day) == case.colour_on(day)
    assert [case.colour_on(d) for d in days] == [Colour.GREEN, Colour.YELLOW, Colour.YELLOW, Colour.RED, Colour.RED]
    ApprovalCase.objects.filter(pk=case.pk).update(yellow_from=None, red_from=None, statutory_alarm_from=None)
    assert ApprovalCase.objects.filter(pk=case.pk).annotate(c=colour_sql(days[-1])).values_list("c", flat=True)[0] \
        == Colour.GREEN
