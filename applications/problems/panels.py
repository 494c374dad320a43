"""Home-page panels of the problem desk (registered in ApplicationsConfig.ready). Each list panel is one query: the
first rows with the total beside them (a window count, taken before the LIMIT)."""
from __future__ import annotations

from django.db.models import Count, Window

from applications.problems import policy, selectors
from portal import clock

ROWS = 6


def _first_rows(queryset) -> dict:
    rows = list(queryset.annotate(total=Window(Count("id")))[:ROWS])
    return {"rows": rows, "total": rows[0].total if rows else 0, "today": clock.today()}


def desk(request):
    return {"counts": selectors.counts(request.user)}


def assigned(request):
    if not (policy.section_ids(request.user) or policy.department_ids(request.user)):
        return None
    return _first_rows(selectors.assigned_to_me(request.user))


def leader(request):
    return _first_rows(selectors.overdue_tickets())
