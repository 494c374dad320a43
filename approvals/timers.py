"""The clock of the staff side, shared by intake (which opens cases with their due dates) and the staged
workflow (which moves them on extension and suspension): due dates from acceptance, the timer days a case's
colour changes on (armed while its clock runs; the colour is derived from them when read), and the daily sweep
that tells the people concerned when a case turns yellow / red / statutory alarm. The pure arithmetic is approvals.clockwork over portal.workdays.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from applications.models import Application
from approvals import clockwork
from approvals.cases.models import CLOSED_STAGES, ApprovalCase, Colour, Suspension
from catalog.codesets import Handling
from portal import clock
from portal.audit import SYSTEM_NAME, record_system_events
from portal.notifications import address_sql, enqueue_deliveries
from portal.workdays import Suspension as ClockSuspension

log = logging.getLogger(__name__)

def ordered_versions(application: Application) -> list:
    return [ai.item_version for ai in sorted(application.items.all(), key=lambda ai: (ai.sort_order, ai.pk))]


@dataclass(frozen=True)
class Due:
    statutory: date
    promised: date


def due_dates(application: Application, accepted_at: datetime | date) -> dict[int, Due]:
    """The due dates of each item's case (by item id), counted in working days from acceptance.

    A bundle handled jointly (并联) runs on its joint limit (Art. 26: 45 working days, its promised limit);
    a bundle handled in order, or a single item, runs on each item version's own limits.
    """
    bundle = application.bundle
    joint = bundle is not None and bundle.handling == Handling.PARALLEL
    result = {}
    for version in ordered_versions(application):
        statutory = bundle.statutory_limit if joint else version.statutory_limit
        promised = bundle.promised_limit if joint else version.promised_limit
        result[version.item_id] = Due(clock.add_working_days(accepted_at, statutory),
                                      clock.add_working_days(accepted_at, promised))
    return result


def yellow_working_days() -> int:
    return int(getattr(settings, "APPROVAL_YELLOW_WORKING_DAYS", 2))


def alarm_working_days() -> int:
    return int(getattr(settings, "APPROVAL_STATUTORY_ALARM_WORKING_DAYS", 3))


def issue_yellow_working_days() -> int:
    """The issuing window (Art. 44) turns yellow when this many working days or fewer remain."""
    return int(getattr(settings, "ISSUE_YELLOW_WORKING_DAYS", 3))


def issue_colour(issue_due_on: date, today: date | None = None) -> Colour:
    """The colour of an application waiting at the issuing window, by the case clock's rule over its one date:
    yellow from the day `issue_yellow_working_days()` working days remain, red the day after the due date.
    Derived when read (the date is stored, nothing else), from the cached calendar: no queries."""
    timers = clockwork.timers(clock.work_calendar(), clockwork.DueDates(issue_due_on, issue_due_on),
                              issue_yellow_working_days(), 0)
    return Colour(clockwork.colour_on(timers, today or clock.today()))


def case_url(case_id: int) -> str:
    try:
        return reverse("approvals:case", args=[case_id])
    except NoReverseMatch:
        return f"/approvals/cases/{case_id}/"


def limits_of(case: ApprovalCase) -> clockwork.Limits:
    """The limits the case runs on: the bundle's joint limits when handled jointly, else the item version's."""
    bundle = case.application.bundle
    if bundle is not None and bundle.handling == Handling.PARALLEL:
        return clockwork.Limits(bundle.statutory_limit, bundle.promised_limit)
    return clockwork.Limits(case.item_version.statutory_limit, case.item_version.promised_limit)


def is_joint(case: ApprovalCase) -> bool:
    bundle = case.application.bundle
    return bundle is not None and bundle.handling == Handling.PARALLEL


def clock_suspensions(case: ApprovalCase) -> list[ClockSuspension]:
    """Closed suspensions, plus an open one's announced end (the dates move again when it really ends)."""
    rows = []
    for s in Suspension.objects.filter(case=case).order_by("start", "id"):
        end = s.end or s.expected_end
        if end is not None:
            rows.append(ClockSuspension(s.start, end))
    return rows


def arm(case: ApprovalCase, due: clockwork.DueDates | None = None) -> None:
    """Set the timer days from the due dates (open, running cases only; NULL otherwise). The colour is derived
    from them when read, so a new case shows today's colour from the first minute and a later date (an
    extension, a suspension) shows at once; the sweep only tells people on the days they say."""
    if due is None:
        due = clockwork.DueDates(case.statutory_due_date, case.promised_due_date)
    if case.stage in CLOSED_STAGES or case.suspended_since is not None:
        case.yellow_from = case.red_from = case.statutory_alarm_from = None
        return
    timers = clockwork.timers(clock.work_calendar(), due, yellow_working_days(), alarm_working_days())
    case.yellow_from, case.red_from, case.statutory_alarm_from = (timers.yellow_from, timers.red_from,
                                                                  timers.statutory_alarm_from)


def disarm(case: ApprovalCase) -> None:
    case.yellow_from = case.red_from = case.statutory_alarm_from = None
    case.assignee = None
    case.claimed_at = None


TIMER_FIELDS = ["yellow_from", "red_from", "statutory_alarm_from"]


def recompute_due_dates(case: ApprovalCase) -> clockwork.DueDates:
    """Both due dates again from acceptance, with every suspension and the approved extension; timers rearmed.
    Sets the fields on `case` (the caller saves)."""
    due = clockwork.due_dates(clock.work_calendar(), clock.local_date(case.accepted_at), limits_of(case),
                              clock_suspensions(case), case.extension_days)
    case.statutory_due_date, case.promised_due_date = due.statutory, due.promised
    arm(case, due)
    return due


def recompute_for_calendar(sender=None, dates=(), by=None, request=None, **kwargs) -> int:
    """The calendar changed on `dates` (portal.signals.calendar_changed, inside the change's transaction): every
    open case whose clock runs over one of those dates gets its due dates and timers again (a new holiday moves
    them a working day later). The due dates are computed in Python from the one calendar (working-day
    arithmetic does not fit SQL) with the cases' suspensions loaded in one query; the changed rows are written
    in bulk, their applications' promised dates in one UPDATE, and each changed case gets an audit row with its
    old and new dates. Returns how many cases changed."""
    if not dates:
        return 0
    first, calendar = min(dates), clock.work_calendar()
    cases = list(ApprovalCase.objects.exclude(stage__in=CLOSED_STAGES).filter(statutory_due_date__gte=first)
                 .select_related("item_version", "application__bundle").order_by("id"))
    suspensions: dict[int, list[ClockSuspension]] = {}
    for row in Suspension.objects.filter(case__in=[c.pk for c in cases]).order_by("start", "id"):
        end = row.end or row.expected_end
        if end is not None:
            suspensions.setdefault(row.case_id, []).append(ClockSuspension(row.start, end))
    changed, notes = [], []
    for case in cases:
        old = (case.statutory_due_date, case.promised_due_date)
        due = clockwork.due_dates(calendar, clock.local_date(case.accepted_at), limits_of(case),
                                  suspensions.get(case.pk, []), case.extension_days)
        if (due.statutory, due.promised) == old:
            continue
        case.statutory_due_date, case.promised_due_date = due.statutory, due.promised
        arm(case, due)
        changed.append(case)
        notes.append({"old_due": [old[0].isoformat(), old[1].isoformat()],
                      "new_due": [due.statutory.isoformat(), due.promised.isoformat()],
                      "calendar_dates": [d.isoformat() for d in dates]})
    if not changed:
        return 0
    ApprovalCase.objects.bulk_update(changed, ["statutory_due_date", "promised_due_date", *TIMER_FIELDS],
                                     batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE applications_application a SET promised_due_date = c.latest
              FROM (SELECT application_id, max(promised_due_date) AS latest FROM approvals_approvalcase
                     WHERE application_id = ANY(%s) GROUP BY application_id) c
             WHERE a.id = c.application_id AND a.promised_due_date IS DISTINCT FROM c.latest""",
                       [sorted({c.application_id for c in changed})])
    record_system_events("case_due_recomputed", "approvals.approvalcase",
                         [(c.pk, c.application.case_number) for c in changed], data=notes,
                         opinion=_("工作日历调整，重新计算办结期限"))
    log.info("calendar change on %s: %d open cases got new due dates", dates, len(changed))
    return len(changed)


_SWEEP_SQL = """
WITH last AS (
    -- the last day swept before today (none yet: every day up to today)
    SELECT coalesce(max(day), '-infinity'::date) AS since FROM approvals_timersweep WHERE day < %(today)s
), due AS (
    -- The warnings whose day lies after the last day swept and up to today (through the partial indexes on the
    -- timer days: the rows read are the warnings sent). A case that passed both thresholds is told red only.
    SELECT c.id, 'red' AS kind, c.promised_due_date AS due, c.assignee_id, c.section_id, c.application_id
      FROM approvals_approvalcase c
     WHERE c.red_from > (SELECT since FROM last) AND c.red_from <= %(today)s
    UNION ALL
    SELECT c.id, 'yellow', c.promised_due_date, c.assignee_id, c.section_id, c.application_id
      FROM approvals_approvalcase c
     WHERE c.yellow_from > (SELECT since FROM last) AND c.yellow_from <= %(today)s AND c.red_from > %(today)s
    UNION ALL
    SELECT c.id, 'alarm', c.statutory_due_date, c.assignee_id, c.section_id, c.application_id
      FROM approvals_approvalcase c
     WHERE c.statutory_alarm_from > (SELECT since FROM last) AND c.statutory_alarm_from <= %(today)s
), events AS (
    SELECT d.id, d.kind, d.due, d.assignee_id, s.head_id, d.application_id
      FROM due d JOIN catalog_section s ON s.id = d.section_id
), sent AS (
    -- once per case, kind and due date: a second run (the same day, or over days already swept) finds the rows
    -- there and sends nothing; a new due date (an extension) warns again
    INSERT INTO approvals_casewarning (case_id, kind, due_date, day, sent_at)
    SELECT e.id, e.kind, e.due, %(today)s, now() FROM events e
    ON CONFLICT DO NOTHING
 RETURNING case_id, kind
), told AS (
    -- the holder (or the section head when nobody holds the case) and the section head
    SELECT DISTINCT r.user_id, e.id, e.kind, e.application_id
      FROM sent JOIN events e ON e.id = sent.case_id AND e.kind = sent.kind
     CROSS JOIN LATERAL (VALUES (coalesce(e.assignee_id, e.head_id)), (e.head_id)) AS r(user_id)
     WHERE r.user_id IS NOT NULL
), digest AS (
    -- One message per person and sweep, in the bell and by the outside channels, counting their warnings and
    -- naming the first cases: an officer with thirty cases turning yellow gets one message, not thirty, and the
    -- sweep writes a row per person, not seven per warning (issue 14). Heads are sent to the overview.
    INSERT INTO portal_notification (recipient_id, title, body, url, dedupe_key, created_at)
    SELECT t.user_id, left(format(%(digest_title)s, count(*)), 200),
           format(%(digest_body)s, count(*) FILTER (WHERE t.kind = 'red'), count(*) FILTER (WHERE t.kind = 'yellow'),
                  count(*) FILTER (WHERE t.kind = 'alarm'),
                  -- the first three applications' numbers (read for those three only)
                  (SELECT string_agg(a.case_number, '、' ORDER BY a.id) FROM applications_application a
                    WHERE a.id = ANY((array_agg(DISTINCT t.application_id))[1:3]))
                  || CASE WHEN count(DISTINCT t.application_id) > 3 THEN %(more)s ELSE '' END),
           CASE WHEN EXISTS (SELECT 1 FROM catalog_section hs WHERE hs.head_id = t.user_id)
                THEN %(overview_url)s ELSE %(mine_url)s END,
           '', now()
      FROM told t GROUP BY t.user_id
 RETURNING id, recipient_id
), copies AS (
    INSERT INTO portal_notificationdelivery (notification_id, channel, address, status, attempts, last_error,
                                             created_at)
    SELECT d.id, ch.channel, {address}, 'pending', 0, '', now()
      FROM digest d JOIN portal_user u ON u.id = d.recipient_id CROSS JOIN unnest(%(channels)s::text[]) AS ch(channel)
     WHERE coalesce({address}, '') <> ''
 RETURNING id
), audit AS (
    -- one audit row per sweep that warned (the cases are in approvals_casewarning, shown in each case's history)
    INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type, object_id, object_repr,
                                   from_state, to_state, opinion, data)
    SELECT now(), %(system)s, 'system', 'timer_sweep', 'approvals.timersweep', %(today)s::text, %(today)s::text, '', '',
           format(%(audit_text)s, count(*) FILTER (WHERE kind = 'red'), count(*) FILTER (WHERE kind = 'yellow'),
                  count(*) FILTER (WHERE kind = 'alarm')),
           jsonb_build_object('red', count(*) FILTER (WHERE kind = 'red'),
                              'yellow', count(*) FILTER (WHERE kind = 'yellow'),
                              'alarm', count(*) FILTER (WHERE kind = 'alarm'))
      FROM sent HAVING count(*) > 0
 RETURNING 1
), swept AS (
    INSERT INTO approvals_timersweep (day, swept_at, warnings) VALUES (%(today)s, now(), (SELECT count(*) FROM sent))
    ON CONFLICT (day) DO UPDATE SET swept_at = excluded.swept_at,
                                    warnings = approvals_timersweep.warnings + excluded.warnings
 RETURNING 1
)
SELECT (SELECT count(DISTINCT case_id) FROM sent), (SELECT array_agg(id) FROM copies), (SELECT count(*) FROM swept),
       (SELECT count(*) FROM audit)
"""


def _sweep_parameters(today: date) -> dict:
    return {"today": today, "channels": list(settings.APPROVAL_WARNING_CHANNELS), "system": SYSTEM_NAME,
            "digest_title": _positional(_("办件时限预警：%(n)s 件"), "n"),
            "digest_body": _positional(_("今日预警：红色 %(red)s 件，黄色 %(yellow)s 件，法定时限告警 %(alarm)s 件"
                                         "（%(numbers)s）。请登录一窗通及时处理。"), "red", "yellow", "alarm", "numbers"),
            "more": str(_("等")),
            "audit_text": _positional(_("时限预警扫描：红色 %(red)s 件，黄色 %(yellow)s 件，法定时限告警 %(alarm)s 件"),
                                      "red", "yellow", "alarm"),
            "mine_url": _url("approvals:case_mine"), "overview_url": _url("approvals:case_overview")}


def _positional(template: str, *names: str) -> str:
    """A translated template with named placeholders as a PostgreSQL format() string (%1$s, %2$s ...)."""
    text = str(template).replace("%", "%%")
    for position, name in enumerate(names, start=1):
        text = text.replace(f"%%({name})s", f"%{position}$s")
    return text


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/"


@transaction.atomic
def sweep_timers(today: date | None = None) -> int:
    """Tell people about the warnings whose day has come: yellow, red (the day after the promised date) and the
    statutory alarm, for every day since the last day swept (approvals.TimerSweep) up to `today`, so a week of
    missed sweeps still sends each warning once. Each warning is recorded once per case, kind and due date
    (approvals.CaseWarning, shown in the case's history); the holder (or the section head when nobody holds the
    case) and the section head each get ONE message per sweep, in the bell and by the outside channels (SMS,
    e-mail), counting their red, yellow and statutory warnings and naming the first cases, with one audit row
    for the sweep: ONE statement over the partial indexes on the timer days. Nothing is written to the case
    table (the colour is derived when read, approvals.cases.models.colour_of / colour_sql), so the cost follows
    the warnings sent. Safe to run twice: the second run finds the records and sends nothing. Returns how many
    cases were warned."""
    today = today or clock.today()
    with connection.cursor() as cursor:
        cursor.execute(_SWEEP_SQL.format(address=address_sql("ch.channel", "u")), _sweep_parameters(today))
        warned, copies, _swept, _audited = cursor.fetchone()
    if copies:
        transaction.on_commit(lambda: enqueue_deliveries(copies))
    if warned:
        log.info("timer sweep %s: %d cases warned", today, warned)
    return warned
