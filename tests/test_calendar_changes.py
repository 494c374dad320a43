"""The working-day calendar changes under running cases (Art. 82): due dates past the last year the calendar
holds are provisional and say so; entering a holiday moves every open case it affects, audited, and every
process counts by the new calendar at its next request or task."""
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from approvals import timers
from approvals.models import ApprovalCase
from approvals.testing import Flow
from portal import calendar_import, clock, services
from portal.models import AuditEvent, CalendarDay
from portal.roles import Role

ROOT = Path(__file__).resolve().parent.parent

OTHER_PROCESS = """
import sys
import django
django.setup()
from datetime import date
from portal import clock
print(clock.add_working_days(date(2026, 12, 24), 10).isoformat(), flush=True)
sys.stdin.readline()
clock.refresh_if_changed()  # what every request and every Celery task does first
print(clock.add_working_days(date(2026, 12, 24), 10).isoformat(), flush=True)
"""


def _database_url() -> str:
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{db['USER']}{password}@/{db['NAME']}?host={host}&port={port}"
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_case_accepted_on_2026_12_24_is_provisional_until_new_year_is_entered_then_moves_a_day(client, make_user):
    assert not CalendarDay.objects.filter(date__year=2027).exists()  # chinesecalendar knows up to 2026
    flow = Flow.build()
    case = flow.case(statutory=10, promised=10)
    ApprovalCase.objects.filter(pk=case.pk).update(accepted_at=timezone.make_aware(datetime(2026, 12, 24, 10, 0)))
    case = ApprovalCase.objects.select_related("application__bundle", "item_version").get(pk=case.pk)
    timers.recompute_due_dates(case)
    case.save(update_fields=["statutory_due_date", "promised_due_date", *timers.TIMER_FIELDS])
    # 25, 28, 29, 30, 31 December and (as if a working day) 1 January, then 4-7 January 2027.
    assert case.statutory_due_date == case.promised_due_date == date(2027, 1, 7)
    assert clock.is_provisional(case.statutory_due_date)
    client.force_login(flow.reviewer)
    page = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
    assert "暂按标准工作日计算" in page and "2027-01-07" in page

    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "SECRET_KEY": settings.SECRET_KEY, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    other = subprocess.Popen([sys.executable, "-c", OTHER_PROCESS], cwd=ROOT, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert other.stdout.readline().strip() == "2027-01-07"  # that process holds the calendar in memory

        admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        client.force_login(admin)
        response = client.post(reverse("admin:portal_calendarday_add"),
                               {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
        assert response.status_code == 302, response.content.decode()[:1000]

        case.refresh_from_db()
        assert case.statutory_due_date == case.promised_due_date == date(2027, 1, 8)
        case.application.refresh_from_db()
        assert case.application.promised_due_date == date(2027, 1, 8)
        event = AuditEvent.objects.get(action="case_due_recomputed", object_id=str(case.pk))
        assert event.data["old_due"] == ["2027-01-07", "2027-01-07"]
        assert event.data["new_due"] == ["2027-01-08", "2027-01-08"]
        assert AuditEvent.objects.filter(action="calendar_add", actor=admin).exists()

        out, err = other.communicate("go\n", timeout=30)
        assert out.strip() == "2027-01-08", err  # the other process sees the new calendar at once
    finally:
        if other.poll() is None:
            other.kill()
    client.force_login(flow.reviewer)
    page = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
    assert "2027-01-08" in page and "暂按标准工作日计算" not in page


def test_the_state_council_notice_is_previewed_then_saved(client, make_user, flow_case_in_january):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:portal_calendarday_import")
    text = "2027-01-01~2027-01-03, 休, 元旦\n2027-02-06~2027-02-13 休 春节\n2027-02-14, 班, 春节调休\n"
    preview = client.post(url, {"text": text})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "2027-02-12" in body and "春节调休" in body and 'data-testid="calendar-confirm"' in body
    assert not CalendarDay.objects.filter(date__year=2027).exists()  # a preview writes nothing

    saved = client.post(url, {"text": text, "confirm": "1"})
    assert saved.status_code == 302
    kinds = dict(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind"))
    assert kinds[date(2027, 1, 1)] == "holiday" and date(2027, 1, 2) not in kinds  # a Saturday is off anyway
    assert kinds[date(2027, 2, 14)] == "workday" and kinds[date(2027, 2, 12)] == "holiday"
    flow_case_in_january.refresh_from_db()
    assert flow_case_in_january.statutory_due_date == date(2027, 1, 8)


@pytest.fixture
def flow_case_in_january(db):
    case = Flow.build().case(statutory=10, promised=10)
    ApprovalCase.objects.filter(pk=case.pk).update(accepted_at=timezone.make_aware(datetime(2026, 12, 24, 10, 0)))
    case = ApprovalCase.objects.select_related("application__bundle", "item_version").get(pk=case.pk)
    timers.recompute_due_dates(case)
    case.save(update_fields=["statutory_due_date", "promised_due_date", *timers.TIMER_FIELDS])
    return case


def test_a_notice_with_a_weekday_problem_is_refused_line_by_line():
    rows, problems = calendar_import.parse("2027-01-02, 休, 周六\n2027-01-04, 班, 周一\n2027-13-01, 休, x\nhello")
    assert rows == [] and len(problems) == 4
    assert problems[0].startswith("第1行") and "周末" in problems[0]
    assert "周六或周日" in problems[1] and "不存在" in problems[2] and "无法识别" in problems[3]


def test_the_missing_year_banner_shows_from_1_november_without_waiting_for_a_worker(client, make_user):
    assert services.calendar_gap_message(today=date(2026, 10, 31)) == ""
    assert "2027" in services.calendar_gap_message(today=date(2026, 11, 1))
    client.force_login(make_user(Role.ADMINISTRATOR))
    today = clock.today()
    page = client.get("/").content.decode()
    if (today.month, today.day) >= (11, 1) and (clock.covered_until() or 0) <= today.year:
        assert "工作日历尚未录入" in page
