"""Reads of 审管联动: the department's feed with filters, a handoff with its records and deliveries, the pull feed,
the leaders' overdue view."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from portal import clock
from supervision import policy
from supervision.models import Delivery, DepartmentToken, Feed, Handoff, Subscription

STATES = ("unclaimed", "overdue", "claimed", "all")


def feed(user, *, state: str = "unclaimed", kind: str = "", q: str = "") -> QuerySet[Handoff]:
    handoffs = policy.visible_handoffs(user).select_related("department", "claimed_by")
    if state == "unclaimed":
        handoffs = handoffs.filter(claimed_at__isnull=True)
    elif state == "overdue":
        handoffs = handoffs.filter(claimed_at__isnull=True, claim_due_on__lt=clock.today())
    elif state == "claimed":
        handoffs = handoffs.filter(claimed_at__isnull=False)
    if kind in Handoff.Kind.values:
        handoffs = handoffs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        handoffs = handoffs.filter(Q(payload__case_number=q) | Q(payload__certificate__licence_number=q)
                                   | Q(payload__applicant__name__startswith=q)
                                   | Q(payload__item__name__contains=q))
    if state == "claimed":
        return handoffs.order_by("-claimed_at", "-sequence")
    return handoffs.order_by("claim_due_on", "sequence")


def handoff_for(user, public_id) -> Handoff | None:
    return (policy.visible_handoffs(user).select_related("department", "claimed_by", "certificate", "application")
            .filter(public_id=public_id).first())


def counts(user) -> dict:
    today = clock.today()
    row = policy.visible_handoffs(user).aggregate(
        unclaimed=Count("pk", filter=Q(claimed_at__isnull=True)),
        overdue=Count("pk", filter=Q(claimed_at__isnull=True, claim_due_on__lt=today)),
        checks_due=Count("pk", filter=Q(kind=Handoff.Kind.COMMITMENT, claimed_at__isnull=False,
                                        records__isnull=True)),
    )
    return row


def pull(department, after: int, limit: int) -> list[Handoff]:
    """The pull feed: the department's handoffs after a sequence number, in order (the unique index serves it)."""
    return list(Handoff.objects.filter(department=department, sequence__gt=after).select_related("department")
                .order_by("sequence")[:limit])


def feed_state(department) -> Feed:
    return Feed.objects.filter(department=department).first() or Feed(department=department)


def subscriptions(department) -> list[Subscription]:
    return list(Subscription.objects.filter(department=department).order_by("-active", "name").annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
        dead=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DEAD))))


def tokens(department) -> list[DepartmentToken]:
    return list(DepartmentToken.objects.filter(department=department).order_by("revoked_at", "-created_at"))


def deliveries(user, *, status: str = "") -> QuerySet[Delivery]:
    rows = (Delivery.objects.select_related("subscription__department", "subscription__platform", "handoff")
            .order_by("-handoff__created_at"))
    if not policy.sees_all(user):
        department = policy.department_of(user)
        rows = rows.filter(subscription__department=department) if department else rows.none()
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    return rows


# --- dashboards (portal.oversight): handoff claim rates per department ------------------------------------------------


def claim_rates(filters) -> list[tuple]:
    """Handoffs pushed in the period per supervising department, in one statement (ROLLUP adds the total, name
    None): (department id, name, pushed, claimed, claimed by the claim date, unclaimed and past it today,
    unclaimed within time). `department_id` narrows to one supervising department; section and item by the
    handoff's item; the officer filter does not apply (departments claim, not the bureau's officers). The days
    up to the roll-up's horizon are read from HandoffDay (supervision/rollup.py), the days after it handoff by
    handoff."""
    from dataclasses import replace

    from django.conf import settings
    from django.db import connection

    from portal import rollups
    from supervision import rollup

    def conditions(alias: str) -> str:
        out = []
        if filters.department_id is not None:
            out.append(f"{alias}.department_id = %(dept)s")
        if filters.item_id is not None:
            out.append(f"{alias}.item_id = %(item)s")
        if filters.section_id is not None:
            out.append(f"EXISTS (SELECT 1 FROM catalog_item i WHERE i.id = {alias}.item_id "
                       "AND i.section_id = %(section)s)")
        return "".join(" AND " + c for c in out)

    cut = rollups.split(rollup.KEY, filters.start, filters.end)
    params = {"tz": settings.TIME_ZONE, "today": filters.today or clock.today(), "dept": filters.department_id,
              "item": filters.item_id, "section": filters.section_id}
    parts = []
    if cut.rolled_until is not None:
        params.update(rollups.day_ranges(filters.start, cut.rolled_until))
        parts.append(f"""
            SELECT f.department_id, f.pushed, f.claimed, f.claimed_on_time, f.unclaimed_due_on
              FROM supervision_handoffday f WHERE {rollups.ROLLED_DAYS.format(f="f")} {conditions("f")}""")
    if cut.live_from is not None:
        params["lo"], params["hi"] = replace(filters, start=cut.live_from).bounds()
        parts.append(f"""
            SELECT h.department_id, h.pushed, h.claimed, h.claimed_on_time, h.unclaimed_due_on
              FROM ({rollup.HANDOFF_FACTS} {conditions("h")}) h""")
    if not parts:
        return []
    sql = f"""
        SELECT x.department_id, d.name, x.pushed, x.claimed, x.on_time, x.overdue, x.waiting FROM (
            SELECT u.department_id, sum(u.pushed) AS pushed, sum(u.claimed) AS claimed,
                   sum(u.claimed_on_time) AS on_time,
                   coalesce(sum(u.pushed - u.claimed) FILTER (WHERE u.unclaimed_due_on < %(today)s), 0) AS overdue,
                   coalesce(sum(u.pushed - u.claimed) FILTER (WHERE u.unclaimed_due_on >= %(today)s), 0) AS waiting
              FROM ({' UNION ALL '.join(parts)}) u
             GROUP BY ROLLUP (u.department_id)) x
          LEFT JOIN catalog_department d ON d.id = x.department_id
         WHERE x.pushed IS NOT NULL
         ORDER BY x.department_id NULLS LAST"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(dept, name, int(pushed), int(claimed), int(on_time), int(overdue), int(waiting))
                for dept, name, pushed, claimed, on_time, overdue, waiting in cursor.fetchall()]


def claim_rates_section(filters):
    """The dashboards' 审管联动 section (registered in SupervisionConfig.ready)."""
    from django.utils.translation import gettext as _

    from portal.oversight import INT, PCT, Chart, Figure, SectionData, Table, rate

    found = claim_rates(filters)
    rows = [[name, pushed, claimed, on_time, overdue, waiting, rate(claimed, pushed), rate(on_time, pushed)]
            for dept, name, pushed, claimed, on_time, overdue, waiting in found if dept is not None]
    total = next((r for r in found if r[0] is None), None)
    if rows and total:
        _d, _n, pushed, claimed, on_time, overdue, waiting = total
        rows.append([_("合计"), pushed, claimed, on_time, overdue, waiting, rate(claimed, pushed), rate(on_time, pushed)])
    table = Table("claims", _("各监管部门认领情况"),
                  [_("监管部门"), _("推送件数"), _("已认领"), _("按期认领"), _("逾期未认领"), _("未到期待认领"), _("认领率"),
                   _("按期认领率")], rows, kinds=["text", INT, INT, INT, INT, INT, PCT, PCT],
                  chart=Chart("bar", 0, (6, 7), _("各监管部门认领率"), skip_last_row=True),
                  note=_("按推送时间统计；按期指在认领期限（工作日）内认领。"))
    pushed = total[2] if total else 0
    figures = [Figure(_("推送件数"), pushed), Figure(_("认领率"), rate(total[3], pushed) if total else None, PCT),
               Figure(_("按期认领率"), rate(total[4], pushed) if total else None, PCT),
               Figure(_("逾期未认领"), total[5] if total else 0, INT, "", "bad" if total and total[5] else "")]
    return SectionData(figures, [table])
