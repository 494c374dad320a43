"""The case clock's pure functions (approvals.clockwork) over random calendars, plus evidence sniffing."""
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from approvals import clockwork
from approvals.cases import evidence
from approvals.clockwork import GREEN, RED, YELLOW, Limits
from portal.workdays import Suspension, add_working_days, working_days_left
from tests.test_workdays import calendars

starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
limits = st.tuples(st.integers(1, 60), st.integers(1, 60)).map(lambda t: Limits(max(t), min(t)))


@given(calendars(), starts, limits, st.integers(0, 5), st.integers(0, 5))
def test_yellow_starts_when_exactly_n_working_days_remain_and_red_the_day_after(cal, start, lim, n, alarm):
    due = clockwork.due_dates(cal, start, lim)
    t = clockwork.timers(cal, due, n, alarm)
    assert due.promised <= due.statutory
    assert working_days_left(cal, t.yellow_from, due.promised) == n
    assert clockwork.colour_on(t, due.promised) != RED
    assert clockwork.colour_on(t, t.red_from) == RED
    assert working_days_left(cal, t.statutory_alarm_from, due.statutory) == alarm
    if n:
        assert clockwork.colour_on(t, t.yellow_from) == YELLOW


@given(calendars(), starts, limits, st.integers(0, 5), st.lists(st.integers(0, 200), min_size=2, max_size=6))
def test_colour_only_gets_more_urgent_as_days_pass(cal, start, lim, n, offsets):
    t = clockwork.timers(cal, clockwork.due_dates(cal, start, lim), n, 2)
    days = sorted(date.fromordinal(start.toordinal() + o) for o in offsets)
    colours = [clockwork.colour_on(t, d) for d in days]
    assert colours == sorted(colours, reverse=True)
    assert clockwork.colour_on(None, start) == GREEN


@given(calendars(), starts, limits, st.integers(1, 40), st.integers(0, 30))
def test_a_suspension_before_the_due_date_moves_it_by_the_working_days_suspended(cal, start, lim, offset, length):
    before = clockwork.due_dates(cal, start, lim)
    s_start = date.fromordinal(start.toordinal() + offset)
    s_end = date.fromordinal(s_start.toordinal() + length)
    assume(s_start <= before.promised and s_end < before.promised)
    after = clockwork.due_dates(cal, start, lim, [Suspension(s_start, s_end)])
    suspended = cal.working_days_in(s_start, s_end)
    assert after.promised == add_working_days(cal, before.promised, suspended)


@given(calendars(), starts, limits, st.sampled_from([10, 15]))
def test_an_extension_moves_both_dates_by_its_working_days(cal, start, lim, days):
    before = clockwork.due_dates(cal, start, lim)
    after = clockwork.due_dates(cal, start, lim, extension_days=days)
    assert after.statutory == add_working_days(cal, before.statutory, days)
    assert after.promised == add_working_days(cal, before.promised, days)


def test_evidence_is_recognised_by_content():
    assert evidence.sniff(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8) == evidence.MP4
    assert evidence.sniff(b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 8) == evidence.MOV
    assert evidence.sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 8).mime == "image/jpeg"
    assert evidence.sniff(b"PK\x03\x04OFD.xml") is None  # OFD is a material format, not evidence
    assert evidence.sniff(b"MZ\x90\x00") is None
