"""Dashboards (统计分析) and the hall screen (大厅屏): every figure against a small hand-computed dataset, the registry,
permissions, exports (XLSX parsed back with openpyxl, CSV with its BOM) and query-count bounds (issue 15, 3 and 4).

The calendar of the dataset (portal.CalendarDay, from chinesecalendar): 2026-09-28..30 working days, 10-01..07
National Day (国庆节), 10-08 and 10-09 working days, 10-10 a Saturday make-up working day (调休), 10-11 Sunday."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import testing as app_testing
from applications.models import Application, SupplementRequest
from approvals.intake.models import IntakeClaim
from approvals.models import ApprovalCase, Notice
from approvals.oversight import providers, selectors
from approvals.testing import Flow, make_person
from catalog.models import Department, Item, Section, Window
from portal import clock, oversight
from portal.oversight import Filters
from portal.roles import Role

pytestmark = pytest.mark.django_db

OCTOBER = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), today=date(2026, 10, 31))


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def place(case: ApprovalCase, *, accepted: date, decided: date | None, promised: date, statutory: date, **fields):
    """Put a case where the dataset wants it (dates as a real run would have left them)."""
    values = dict(accepted_at=at(accepted), promised_due_date=promised, statutory_due_date=statutory, **fields)
    if decided is not None:
        values.update(stage="approved", decided_at=at(decided, 15), closed_at=at(decided, 15), assignee=None,
                      claimed_at=None, yellow_from=None, red_from=None, statutory_alarm_from=None)
    ApprovalCase.objects.filter(pk=case.pk).update(**values)


@pytest.fixture
def flow():
    return Flow.build()


@pytest.fixture
def decided(flow):
    """Three cases decided in October across National Day, one in September, one still open.

    | case | item | accepted | decided | working days | promised | statutory | on time: promised / statutory |
    | c1   | A    | 09-29    | 10-09   | 3 (09-30, 10-08, 10-09)                     | 10-13 | 10-27 | yes / yes |
    | c2   | A    | 09-28    | 10-12   | 6 (09-29, 09-30, 10-08, 10-09, 10-10, 10-12) | 10-09 | 10-26 | no / yes  |
    | c3   | B    | 10-12    | 10-14   | 2 (10-13, 10-14)                            | 10-13 | 10-13 | no / no   |
    | c4   | A    | 09-01    | 09-30   | outside the period                          |       |       |           |
    """
    item_a = flow.item(name="甲许可", statutory=20, promised=10)
    item_b = flow.item(name="乙许可", statutory=10, promised=5)
    Item.objects.filter(pk=item_b.pk).update(case_type="1", statutory_limit=0, promised_limit=0)  # 即办件
    c1, c2, c4 = (ApprovalCase.objects.get(application=flow.accepted(item=item_a)) for _ in range(3))
    c3 = ApprovalCase.objects.get(application=flow.accepted(item=item_b))
    open_case = flow.case()
    place(c1, accepted=date(2026, 9, 29), decided=date(2026, 10, 9), promised=date(2026, 10, 13),
          statutory=date(2026, 10, 27), decided_by=flow.certifier)
    place(c2, accepted=date(2026, 9, 28), decided=date(2026, 10, 12), promised=date(2026, 10, 9),
          statutory=date(2026, 10, 26), decided_by=flow.certifier)
    place(c3, accepted=date(2026, 10, 12), decided=date(2026, 10, 14), promised=date(2026, 10, 13),
          statutory=date(2026, 10, 13), decided_by=flow.reviewer)
    place(c4, accepted=date(2026, 9, 1), decided=date(2026, 9, 30), promised=date(2026, 9, 15),
          statutory=date(2026, 9, 29), decided_by=flow.certifier)
    return {"a": item_a, "b": item_b, "cases": [c1, c2, c3, c4], "open": open_case}


@pytest.fixture(params=["live", "rolled"])
def reading(request):
    """Every figure is read twice: from the source rows, and from the roll-up of closed days (approvals/oversight/
    rollup.py) up to 2026-10-31, the days after it live. Listed last, it runs after the dataset's fixtures."""
    from portal import rollups

    if request.param == "rolled":
        for done in rollups.roll_up_all(through=date(2026, 10, 31)):
            assert rollups.horizon(done["key"]) == date(2026, 10, 31)
    else:
        assert all(rollups.horizon(key) is None for key in rollups.registered())
    return request.param


# --- working days in SQL --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("first,last,expected", [
    (date(2026, 9, 29), date(2026, 10, 9), 3),
    (date(2026, 9, 28), date(2026, 10, 12), 6),
    (date(2026, 9, 30), date(2026, 10, 8), 1),
    (date(2026, 10, 1), date(2026, 10, 7), 0),
    (date(2026, 10, 9), date(2026, 10, 11), 1),  # the make-up Saturday counts, the Sunday not
    (date(2026, 11, 2), date(2026, 11, 2), 0),
])
def test_sql_working_days_match_the_portal_clock(first, last, expected):
    assert selectors.working_days_between(first, last) == expected
    assert clock.working_days_between(first, last) == expected


# --- the figures -----------------------------------------------------------------------------------------------------


def test_timeliness_on_time_rates_and_working_days_across_national_day(decided, reading):
    rows = selectors.timeliness(OCTOBER)
    total = next(t for t in rows if t.level == "total")
    assert (total.completed, total.on_time_promised, total.on_time_statutory) == (3, 1, 2)
    assert total.avg_working_days == pytest.approx((3 + 6 + 2) / 3)
    assert total.max_working_days == 6
    item_a = next(t for t in rows if t.level == "item" and t.key == decided["a"].pk)
    assert (item_a.name, item_a.completed, item_a.on_time_promised, item_a.on_time_statutory) == ("甲许可", 2, 1, 2)
    assert item_a.avg_working_days == pytest.approx(4.5)
    assert (item_a.statutory_limit, item_a.promised_limit) == (20, 10)
    item_b = next(t for t in rows if t.level == "item" and t.key == decided["b"].pk)
    assert (item_b.completed, item_b.on_time_promised, item_b.on_time_statutory, item_b.avg_working_days) == (1, 0, 0, 2)
    sections = [t for t in rows if t.level == "section"]
    assert [(s.completed, s.on_time_promised) for s in sections] == [(3, 1)]


def test_timeliness_section_shapes_rates_and_compression(decided, reading):
    data = providers.timeliness(OCTOBER)
    by_item = data.table("by_item")
    row_a = next(r for r in by_item.rows if r[0] == "甲许可")
    # 承诺时限压缩 1 - 10/20; 按时 1/2; 法定 2/2; average 4.5 working days; 实际压缩 1 - 4.5/20.
    assert row_a == ["甲许可", 20, 10, 0.5, 2, 0.5, 1.0, 4.5, pytest.approx(1 - 4.5 / 20), 6]
    figures = {f.label: f.value for f in data.figures}
    assert figures["办结件数"] == 3
    assert figures["按时办结率"] == pytest.approx(1 / 3)
    assert figures["法定时限内办结率"] == pytest.approx(2 / 3)
    assert by_item.display_rows()[0][5] in ("50.0%", "0.0%")
    total_row = data.table("by_section").rows[-1]
    assert total_row[:2] == ["合计", 3]


def test_timeliness_filters_by_item_section_department_and_officer(decided, flow, reading):
    only_a = selectors.timeliness(Filters(**{**OCTOBER.__dict__, "item_id": decided["a"].pk}))
    assert next(t for t in only_a if t.level == "total").completed == 2
    other = Section.objects.create(code="ZZ", name="其他科")
    assert [t for t in selectors.timeliness(Filters(**{**OCTOBER.__dict__, "section_id": other.pk}))] == []
    dept = decided["a"].competent_department_id
    assert next(t for t in selectors.timeliness(Filters(**{**OCTOBER.__dict__, "department_id": dept}))
                if t.level == "total").completed == 3
    by_reviewer = selectors.timeliness(Filters(**{**OCTOBER.__dict__, "officer_id": flow.reviewer.pk}))
    assert next(t for t in by_reviewer if t.level == "total").completed == 1


@pytest.fixture
def intake_events(flow, decided):
    """Applications and notices of October (besides the decided cases' own, accepted in November):

    app1 submitted 10-09, accepted 10-10 (容缺受理 notice that day); app2 submitted 09-30, accepted 10-08 (告知承诺
    notice); app3 submitted 10-12, refused 10-12; app4 submitted 10-13, asked for a supplement 10-13."""
    apps = [app_testing.submitted_application(flow.applicant_user, item=decided["a"]) for _ in range(4)]
    a1, a2, a3, a4 = apps
    Application.objects.filter(pk=a1.pk).update(submitted_at=at(date(2026, 10, 9)), accepted_at=at(date(2026, 10, 10)),
                                                 status="accepted")
    Application.objects.filter(pk=a2.pk).update(submitted_at=at(date(2026, 9, 30)), accepted_at=at(date(2026, 10, 8)),
                                                 status="accepted")
    Application.objects.filter(pk=a3.pk).update(submitted_at=at(date(2026, 10, 12)), status="refused")
    Application.objects.filter(pk=a4.pk).update(submitted_at=at(date(2026, 10, 13)), status="supplement_requested")

    def notice(application, kind, day):
        Notice.objects.create(application=application, kind=kind, number=f"T-{uuid.uuid4().hex[:10]}", title=kind,
                              body_html="<p></p>", issued_at=at(day), issued_by=flow.clerk)

    notice(a1, "tolerance", date(2026, 10, 10))
    notice(a2, "commitment", date(2026, 10, 8))
    notice(a3, "refusal", date(2026, 10, 12))
    SupplementRequest.objects.create(application=a4, requested_by=flow.clerk, requested_at=at(date(2026, 10, 13)),
                                     due_date=date(2026, 11, 10))
    # Everything the services themselves wrote happened today (November): moved out of the way above.
    Application.objects.exclude(pk__in=[a.pk for a in apps]).update(submitted_at=at(date(2026, 11, 2)),
                                                                      accepted_at=at(date(2026, 11, 2)))
    Notice.objects.exclude(kind__in=["tolerance", "commitment", "refusal"]).update(issued_at=at(date(2026, 11, 2)))
    return apps


def test_intake_counts_per_day(intake_events, reading):
    unit, buckets, totals = selectors.intake_counts(OCTOBER)
    assert unit == "day"
    assert totals == {"received": 3, "accepted": 2, "refused": 1, "supplemented": 1, "tolerance": 1, "commitment": 1,
                      "completed": 3, "instant": 1}
    per_day = {day: counts for day, counts in buckets}
    assert per_day[date(2026, 10, 10)]["accepted"] == 1 and per_day[date(2026, 10, 10)]["tolerance"] == 1
    assert per_day[date(2026, 10, 14)]["instant"] == 1 and per_day[date(2026, 10, 14)]["completed"] == 1
    data = providers.intake(OCTOBER)
    table = data.table("by_period")
    assert table.rows[-1] == ["合计", 3, 2, 1, 1, 1, 1, 3, 1]
    assert table.rows[0][0] == "10-08"


def test_intake_counts_per_month_over_a_year_and_by_officer(intake_events, flow, reading):
    year = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 12, 31))
    unit, buckets, totals = selectors.intake_counts(year)
    assert unit == "month"
    october = dict(buckets)[date(2026, 10, 1)]
    assert october["received"] == 3 and october["completed"] == 3
    assert dict(buckets)[date(2026, 9, 1)]["completed"] == 1
    _u, _b, mine = selectors.intake_counts(Filters(**{**OCTOBER.__dict__, "officer_id": flow.clerk.pk}))
    assert (mine["refused"], mine["supplemented"], mine["tolerance"], mine["completed"]) == (1, 1, 1, 0)


def test_intake_notices_and_supplements_follow_the_section_and_item_filters(intake_events, flow, decided, reading):
    """Notices and supplement requests are narrowed by their application's items without joining the
    applications: the events' section and item keep them, another section has none."""
    from catalog.testing import make_section

    def kinds(**narrowed):
        totals = selectors.intake_counts(Filters(**{**OCTOBER.__dict__, **narrowed}))[2]
        return totals["received"], totals["refused"], totals["supplemented"], totals["tolerance"], totals["commitment"]

    item = decided["a"]
    assert kinds(section_id=item.section_id) == kinds(item_id=item.pk) == (3, 1, 1, 1, 1) == kinds()[:1] + (1, 1, 1, 1)
    assert kinds(department_id=item.competent_department_id, item_id=item.pk) == (3, 1, 1, 1, 1)
    assert kinds(section_id=make_section().pk) == kinds(item_id=decided["b"].pk) == (0, 0, 0, 0, 0)


# --- the roll-up of closed days: what changes a closed day afterwards --------------------------------------------------


def _stale_marks(key: str = "approvals.dashboard") -> list[date]:
    from portal.models import RollupStale

    return sorted(RollupStale.objects.filter(key=key).values_list("since", flat=True))


def _roll_up(through: date, key: str = "approvals.dashboard") -> dict:
    from portal import rollups

    return rollups.roll_up(key, through)


def _horizon(key: str = "approvals.dashboard") -> date | None:
    from portal import rollups

    return rollups.horizon(key)


def test_before_the_first_roll_up_nothing_is_marked_and_everything_is_read_live(intake_events, flow):
    Application.objects.filter(pk=intake_events[0].pk).update(accepted_at=at(date(2026, 10, 1)))
    assert _horizon() is None and _stale_marks() == []
    assert selectors.intake_counts(OCTOBER)[2]["accepted"] == 2


def test_a_deemed_acceptance_dated_back_marks_its_day_stale_until_the_next_roll_up(intake_events, flow):
    """The deemed-acceptance sweep dates acceptance back to the day the materials arrived (Art. 32): a day the
    roll-up has already counted. The trigger marks it; the dashboards read from it live; the next roll-up counts it
    and clears the mark. Nothing a clerk does today marks anything."""
    from applications.services import mark_deemed_accepted

    _roll_up(date(2026, 10, 31))
    late = app_testing.submitted_application(flow.applicant_user, item=intake_events[0].items.first().item)
    assert _stale_marks() == []  # submitted today: not a closed day
    Application.objects.filter(pk=late.pk).update(received_at=at(date(2026, 10, 20)),
                                                   intake_due_date=date(2026, 10, 27))
    assert _stale_marks() == []  # neither received_at nor the intake date is counted
    assert late.pk in mark_deemed_accepted(today=date(2026, 10, 28))
    assert _stale_marks() == [date(2026, 10, 20)]
    assert _horizon() == date(2026, 10, 19)
    _u, buckets, totals = selectors.intake_counts(OCTOBER)
    assert totals["accepted"] == 3 and dict(buckets)[date(2026, 10, 20)]["accepted"] == 1
    done = _roll_up(date(2026, 10, 31))
    assert done["from"] == date(2026, 10, 20) and _stale_marks() == [] and _horizon() == date(2026, 10, 31)
    assert selectors.intake_counts(OCTOBER)[2]["accepted"] == 3
    assert _roll_up(date(2026, 10, 31))["rows"] == 0  # nothing left to do


def test_a_holiday_entered_after_the_roll_up_changes_the_working_days_taken(decided):
    """c3 (accepted 10-12, decided 10-14) took 2 working days; with 10-13 declared a holiday it took 1."""
    from portal.models import CalendarDay

    _roll_up(date(2026, 10, 31))
    item_b = decided["b"].pk

    def c3_days():
        return next(t for t in selectors.timeliness(OCTOBER) if t.level == "item" and t.key == item_b).avg_working_days

    assert c3_days() == 2
    CalendarDay.objects.create(date=date(2026, 10, 13), kind="holiday", name="测试假日")
    assert _stale_marks() == [date(2026, 10, 13)] and _horizon() == date(2026, 10, 12)
    assert c3_days() == 1
    _roll_up(date(2026, 10, 31))
    assert c3_days() == 1 and _stale_marks() == []


def test_a_decision_corrected_by_hand_moves_between_rolled_days(decided):

    _roll_up(date(2026, 10, 31))
    c4 = decided["cases"][3]
    ApprovalCase.objects.filter(pk=c4.pk).update(decided_at=at(date(2026, 10, 2), 15))
    assert _stale_marks() == [date(2026, 9, 30)]
    assert next(t for t in selectors.timeliness(OCTOBER) if t.level == "total").completed == 4
    _roll_up(date(2026, 10, 31))
    assert next(t for t in selectors.timeliness(OCTOBER) if t.level == "total").completed == 4


def test_the_roll_ups_run_nightly_from_beat_and_by_hand(settings, decided, capsys):
    from django.core.management import call_command

    from portal import rollups
    from portal.tasks import roll_up_figures

    entry = settings.CELERY_BEAT_SCHEDULE["roll-up-figures"]
    assert entry["task"] == "portal.tasks.roll_up_figures" and 0 in entry["schedule"].hour
    assert set(rollups.registered()) == {"approvals.dashboard", "supervision.handoffs"}
    call_command("roll_up_figures", through="2026-10-31")
    assert "approvals.dashboard" in capsys.readouterr().out
    assert {key: _horizon(key) for key in rollups.registered()} == dict.fromkeys(rollups.registered(),
                                                                                   date(2026, 10, 31))
    done = roll_up_figures()  # the task: up to yesterday
    assert {d["through"] for d in done} == {str(timezone.localdate() - timedelta(days=1))}
    call_command("roll_up_figures", "--from-scratch", through="2026-10-31")
    assert _horizon() == date(2026, 10, 31)
    assert next(t for t in selectors.timeliness(OCTOBER) if t.level == "total").completed == 3


def test_warnings_from_timer_days_against_today(flow):
    """Today 2026-11-30 (Monday). red_from <= today: overdue; yellow_from <= today < red_from: yellow."""
    today = date(2026, 11, 30)
    red, yellow, green, alarm_only = (flow.case() for _ in range(4))
    ApprovalCase.objects.filter(pk=red.pk).update(promised_due_date=date(2026, 11, 19), red_from=date(2026, 11, 20),
                                                  yellow_from=date(2026, 11, 18), statutory_alarm_from=date(2026, 11, 25),
                                                  statutory_due_date=date(2026, 11, 28))
    ApprovalCase.objects.filter(pk=yellow.pk).update(promised_due_date=date(2026, 12, 1), red_from=date(2026, 12, 2),
                                                     yellow_from=date(2026, 11, 27), statutory_alarm_from=date(2026, 12, 20),
                                                     statutory_due_date=date(2026, 12, 24))
    ApprovalCase.objects.filter(pk=green.pk).update(promised_due_date=date(2026, 12, 9), red_from=date(2026, 12, 10),
                                                    yellow_from=date(2026, 12, 7), statutory_alarm_from=date(2026, 12, 20),
                                                    statutory_due_date=date(2026, 12, 24))
    ApprovalCase.objects.filter(pk=alarm_only.pk).update(suspended_since=date(2026, 11, 1), red_from=None,
                                                         yellow_from=None, statutory_alarm_from=None,
                                                         promised_due_date=date(2026, 11, 2),
                                                         statutory_due_date=date(2026, 11, 3))
    filters = Filters(start=date(2026, 11, 1), end=today, today=today)
    counts = selectors.warning_counts(filters)
    overall = next(r for r in counts if r[0] is None)
    # red, yellow, statutory alarm, past the statutory date (not suspended), suspended, open
    assert overall[2:] == (1, 1, 1, 1, 1, 4)
    total, rows = selectors.warning_list(filters, "overdue")
    assert total == 1
    number, item, section, stage, holder, accepted, promised, statutory, days = rows[0]
    # Working days after 11-19 up to 11-30: 11-20, 11-23..27, 11-30.
    assert (promised, days) == (date(2026, 11, 19), 7)
    total_y, rows_y = selectors.warning_list(filters, "yellow")
    assert total_y == 1 and rows_y[0][-1] == -1  # 12-01 is one working day after today
    data = providers.warnings(filters)
    assert data.table("yellow").rows[0][-1] == 1  # shown as working days left
    assert {f.label: f.value for f in data.figures}["红色预警"] == 1


def test_warning_list_limit_and_export_limit(flow):
    today = date(2026, 11, 30)
    cases = [flow.case() for _ in range(3)]
    ApprovalCase.objects.filter(pk__in=[c.pk for c in cases]).update(red_from=date(2026, 11, 20))
    total, rows = selectors.warning_list(Filters(start=today, end=today, today=today, row_limit=2), "overdue")
    assert (total, len(rows)) == (3, 2)


@pytest.fixture
def claims(decided, flow):
    """Handoffs of October to two supervising departments: (应急管理局, the items' own supervising department)."""
    from supervision.models import Handoff

    dept = Department.objects.create(code="YJ", name="应急管理局")
    other = decided["a"].supervising_department

    def handoff(department, n, created, due, claimed=None):
        Handoff.objects.create(department=department, sequence=n, event_id=uuid.uuid4(), idempotency_key=uuid.uuid4().hex,
                               kind="decision", created_at=at(created), claim_due_on=due,
                               claimed_at=at(claimed) if claimed else None,
                               claimed_by=flow.leader if claimed else None, item=decided["a"])

    handoff(dept, 1, date(2026, 10, 9), date(2026, 10, 14), claimed=date(2026, 10, 12))  # on time
    handoff(dept, 2, date(2026, 10, 9), date(2026, 10, 14), claimed=date(2026, 10, 20))  # late
    handoff(dept, 3, date(2026, 10, 20), date(2026, 10, 23))  # unclaimed, past due on 10-31
    handoff(other, 1, date(2026, 10, 28), date(2026, 11, 2))  # unclaimed, not yet due
    handoff(other, 2, date(2026, 9, 28), date(2026, 10, 9), claimed=date(2026, 9, 29))  # outside the period
    return dept, other


def test_claim_rates_per_department(decided, flow, claims, reading):
    from supervision import selectors as supervision_selectors

    dept, other = claims
    rows = supervision_selectors.claim_rates(OCTOBER)
    by_name = {r[1]: r[2:] for r in rows if r[0] is not None}
    assert by_name["应急管理局"] == (3, 2, 1, 1, 0)
    assert by_name[other.name] == (1, 0, 0, 0, 1)
    data = supervision_selectors.claim_rates_section(OCTOBER)
    total = data.table("claims").rows[-1]
    assert total[:6] == ["合计", 4, 2, 1, 1, 1]
    assert total[6] == pytest.approx(0.5) and total[7] == pytest.approx(0.25)
    only = supervision_selectors.claim_rates(Filters(**{**OCTOBER.__dict__, "department_id": dept.pk}))
    assert next(r for r in only if r[0] is None)[2] == 3
    by_item = supervision_selectors.claim_rates(Filters(**{**OCTOBER.__dict__, "item_id": decided["a"].pk}))
    assert next(r for r in by_item if r[0] is None)[2:] == (4, 2, 1, 1, 1)
    assert supervision_selectors.claim_rates(Filters(**{**OCTOBER.__dict__, "item_id": decided["b"].pk})) == []


def test_a_late_claim_marks_its_handoffs_day_and_overdue_follows_today(claims, flow):
    """A claim on a handoff of a rolled-up day marks that day stale (only the handoffs' roll-up): read live until
    the next roll-up; an unclaimed handoff rolled up keeps its claim date, so "overdue" moves with the filters'
    today."""
    from supervision import selectors as supervision_selectors
    from supervision.models import Handoff

    key = "supervision.handoffs"
    _roll_up(date(2026, 10, 31), key)
    dept, _other = claims
    row = next(r for r in supervision_selectors.claim_rates(OCTOBER) if r[0] == dept.pk)
    assert row[2:] == (3, 2, 1, 1, 0)
    earlier = Filters(**{**OCTOBER.__dict__, "today": date(2026, 10, 22)})  # before its claim date 10-23
    assert next(r for r in supervision_selectors.claim_rates(earlier) if r[0] == dept.pk)[5:] == (0, 1)
    Handoff.objects.filter(department=dept, claimed_at__isnull=True).update(claimed_at=at(date(2026, 11, 2)),
                                                                             claimed_by=flow.leader)
    assert _stale_marks(key) == [date(2026, 10, 20)] and _stale_marks() == []
    assert _horizon(key) == date(2026, 10, 19)
    assert next(r for r in supervision_selectors.claim_rates(OCTOBER) if r[0] == dept.pk)[2:] == (3, 3, 1, 0, 0)
    _roll_up(date(2026, 10, 31), key)
    assert _stale_marks(key) == [] and _horizon(key) == date(2026, 10, 31)
    assert next(r for r in supervision_selectors.claim_rates(OCTOBER) if r[0] == dept.pk)[2:] == (3, 3, 1, 0, 0)


def test_hall_queues_per_window_and_clerk(flow):
    item = flow.item()
    window = Window.objects.create(code="A01", name="市场准入综合窗口", location="一楼A区")
    item.windows.add(window)
    waiting = [app_testing.submitted_application(flow.applicant_user, item=item) for _ in range(3)]
    IntakeClaim.objects.create(application=waiting[0], clerk=flow.clerk)
    other = app_testing.submitted_application(flow.applicant_user)  # its item names no window
    assert other.status == "submitted"
    queues = {code: (name, n, claimed) for code, name, n, claimed in selectors.window_queues()}
    assert queues["A01"] == ("市场准入综合窗口", 3, 1)
    assert queues[""][1] == 1
    assert selectors.clerk_claims() == [(flow.clerk.real_name, 1)]
    today = clock.today()
    data = providers.hall_intake(Filters(start=today, end=today, today=today))
    figures = {f.label: f.value for f in data.figures}
    assert figures["等待受理"] == 4 and figures["今日收件"] == 4


# --- the registry -----------------------------------------------------------------------------------------------------


def test_registry_sections_per_role_and_board(flow):
    leader_keys = [s.key for s in oversight.sections_for(flow.leader)]
    assert leader_keys[:3] == ["intake", "timeliness", "warnings"] and "handoffs" in leader_keys
    assert oversight.sections_for(flow.clerk) == []
    assert [s.key for s in oversight.sections_for(flow.clerk, oversight.HALL)] == ["hall_intake", "hall_queues",
                                                                                   "hall_warnings", "ratings_today"]


def test_a_plugged_in_section_shows_and_exports(client, flow, decided):
    """What an app does to add a section (as applications does for 好差评 and 办不成事反映): register a provider."""
    def provider(filters):
        return oversight.SectionData([oversight.Figure("满意率", 0.99, oversight.PCT)], [
            oversight.Table("levels", "评价分布", ["评价", "件数"], [["非常满意", 9], ["=不满意", 1]],
                            kinds=["text", oversight.INT])])

    oversight.register_section("plugged", "插件统计", provider, order=90, roles=[Role.BUREAU_LEADER])
    try:
        client.force_login(flow.leader)
        page = client.get(reverse("portal:oversight"))
        assert "插件统计" in page.content.decode() and "99.0%" in page.content.decode()
        exported = client.get(reverse("portal:oversight_export", args=["plugged", "levels", "csv"]))
        text = exported.content.decode("utf-8")
        assert text.startswith("\ufeff") and "'=不满意" in text  # no formula reaches a spreadsheet
    finally:
        oversight.unregister_section("plugged")


# --- pages, permissions, exports ----------------------------------------------------------------------------------------


def test_who_may_see_the_dashboards_and_the_hall(client, flow, make_user):
    url, hall = reverse("portal:oversight"), reverse("portal:hall")
    assert client.get(url).status_code == 302  # sign in first
    for user, dashboard_status, hall_status in ((flow.applicant_user, 403, 403), (flow.clerk, 403, 200),
                                                 (flow.reviewer, 403, 200), (flow.head, 200, 200),
                                                 (flow.leader, 200, 200), (make_user(Role.ADMINISTRATOR), 200, 200),
                                                 (make_user(Role.DEPARTMENT_USER), 403, 403)):
        client.force_login(user)
        assert client.get(url).status_code == dashboard_status, user
        assert client.get(hall).status_code == hall_status, user
        assert client.get(reverse("portal:oversight_workbook")).status_code == (200 if dashboard_status == 200 else 403)


def test_a_section_head_sees_only_the_sections_they_head(client, flow, decided):
    other_section = Section.objects.create(code="ZZ", name="其他科")
    other_flow = Flow.build(other_section)
    stray = other_flow.case()
    place(stray, accepted=date(2026, 10, 8), decided=date(2026, 10, 9), promised=date(2026, 10, 20),
          statutory=date(2026, 10, 30))
    client.force_login(flow.head)
    page = client.get(reverse("portal:oversight"), {"start": "2026-10-01", "end": "2026-10-31"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "其他科" not in body.split('data-testid="oversight-caption"')[1]
    figures = page.context["sections"][1]["data"].figures
    assert figures[0].value == 3  # the other section's case is not counted
    refused = client.get(reverse("portal:oversight"), {"section": str(other_section.pk)})
    assert refused.status_code == 400 and refused.context["sections"] == []
    assert client.get(reverse("portal:oversight_export", args=["timeliness", "by_item", "csv"]),
                      {"section": str(other_section.pk)}).status_code == 403
    client.force_login(other_flow.leader)
    everything = client.get(reverse("portal:oversight"), {"start": "2026-10-01", "end": "2026-10-31"})
    assert everything.context["sections"][1]["data"].figures[0].value == 4


def test_a_head_of_no_section_is_refused(client, make_user):
    client.force_login(make_user(Role.SECTION_HEAD))
    assert client.get(reverse("portal:oversight")).status_code == 403


def test_bad_filters_say_why(client, flow):
    client.force_login(flow.leader)
    page = client.get(reverse("portal:oversight"), {"start": "2026-10-31", "end": "2026-10-01"})
    assert page.status_code == 400
    assert "起始日期不能晚于截止日期" in page.content.decode()


def test_exports_xlsx_and_csv(client, flow, decided):
    client.force_login(flow.leader)
    query = {"start": "2026-10-01", "end": "2026-10-31"}
    xlsx = client.get(reverse("portal:oversight_export", args=["timeliness", "by_item", "xlsx"]), query)
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0].startswith("统计期间：2026-10-01 至 2026-10-31")
    assert values[1][:5] == ["事项", "法定时限（工作日）", "承诺时限（工作日）", "承诺时限压缩", "办结件数"]
    row_a = next(r for r in values[2:] if r[0] == "甲许可")
    assert row_a[1:8] == [20, 10, 0.5, 2, 0.5, 1.0, 4.5]
    assert sheet.cell(row=values.index(row_a) + 1, column=6).number_format == "0.0%"
    csv_answer = client.get(reverse("portal:oversight_export", args=["timeliness", "by_item", "csv"]), query)
    assert csv_answer["Content-Type"].startswith("text/csv")
    text = csv_answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0] == "事项"
    assert next(r for r in rows if r[0] == "甲许可")[3:8] == ["50.0%", "2", "50.0%", "100.0%", "4.5"]
    book = client.get(reverse("portal:oversight_workbook"), query)
    names = load_workbook(io.BytesIO(book.content)).sheetnames
    assert any(n.startswith("办件量") for n in names) and "各监管部门认领情况" in names
    assert client.get(reverse("portal:oversight_export", args=["timeliness", "nope", "csv"]), query).status_code == 404
    assert client.get(reverse("portal:oversight_export", args=["nope", "by_item", "csv"]), query).status_code == 404


def test_charts_are_accessible_svg(client, flow, decided):
    client.force_login(flow.leader)
    body = client.get(reverse("portal:oversight"), {"start": "2026-10-01", "end": "2026-10-31"}).content.decode()
    assert '<svg class="chart"' in body and 'role="img"' in body and "<title id=" in body and "<desc id=" in body
    assert "<script" not in body.split("<main")[1]


def test_dashboard_and_hall_query_counts(client, flow, decided, django_assert_max_num_queries):
    client.force_login(flow.leader)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("portal:oversight")).status_code == 200
    more = [flow.case() for _ in range(3)]
    assert more
    with django_assert_max_num_queries(40):
        assert client.get(reverse("portal:oversight")).status_code == 200
    with django_assert_max_num_queries(25):
        page = client.get(reverse("portal:hall"))
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="60">' in page.content.decode()


def test_home_panels_for_heads_and_leaders(client, flow, decided, make_user):
    """The panel is on the home page at no cost; its figures come after it (htmx) for the person's scope."""
    month = reverse("approvals:oversight_month")
    client.force_login(flow.head)
    assert 'data-testid="panel-oversight"' in client.get("/").content.decode()
    assert "办结 0 件" in client.get(month).content.decode()  # this month (November): nothing decided yet
    ApprovalCase.objects.filter(pk=decided["cases"][0].pk).update(decided_at=timezone.now())
    assert "办结 1 件" in client.get(month).content.decode()
    client.force_login(flow.leader)
    body = client.get("/").content.decode()
    assert 'data-testid="panel-oversight"' in body and reverse("portal:oversight") in body and month in body
    assert "按时办结率" in client.get(month).content.decode()
    client.force_login(flow.clerk)
    assert client.get(month).status_code == 403
    client.force_login(make_user(Role.SECTION_HEAD))
    assert "按科室查看" in client.get(month).content.decode()


def test_navigation_entries(client, flow):
    client.force_login(flow.leader)
    body = client.get("/").content.decode()
    assert "统计分析" in body and "大厅屏" in body
    client.force_login(flow.clerk)
    body = client.get("/").content.decode()
    assert "大厅屏" in body and reverse("portal:oversight") not in body


def test_make_person_helper_keeps_working():
    assert make_person(Role.BUREAU_LEADER, "测试").has_role(Role.BUREAU_LEADER)
