"""Home-page panels and the guide-page block of 好差评 (registered in applications/apps.py)."""
from __future__ import annotations

from applications.ratings import policy, selectors


def tickets_panel(request):
    user = request.user
    if not policy.handles_tickets(user):
        return None
    counts = selectors.ticket_counts(user)
    appeals = selectors.pending_appeals(user).count() if policy.is_leader(user) else 0
    return {**counts, "appeals": appeals}


def guide_figures(item):
    """The item page's block: its competent department's satisfaction rate of the last months."""
    department = getattr(item, "competent_department", None)
    if department is None:
        return None
    return {"template": "applications/ratings/_guide_figures.html",
            "context": {"department": department.name, "rows": selectors.monthly_rates(department.pk)}}
