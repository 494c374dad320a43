"""Home-page panels of the problem desk (registered in ApplicationsConfig.ready)."""
from __future__ import annotations

from applications.problems import policy, selectors
from portal import clock


def desk(request):
    return {"counts": selectors.counts(request.user)}


def assigned(request):
    if not (policy.section_ids(request.user) or policy.department_ids(request.user)):
        return None
    rows = selectors.assigned_to_me(request.user)
    return {"rows": list(rows[:6]), "total": rows.count(), "today": clock.today()}


def leader(request):
    today = clock.today()
    overdue = selectors.overdue_tickets()
    return {"rows": list(overdue[:6]), "total": overdue.count(),
            "figures": selectors.dashboard_figures(today.replace(day=1), today)}
