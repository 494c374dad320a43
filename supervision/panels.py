"""Home-page panels of 审管联动 (registered in SupervisionConfig.ready)."""
from supervision import selectors


def unclaimed(request):
    rows = selectors.feed(request.user, state="unclaimed")
    return {"rows": list(rows[:8]), "counts": selectors.counts(request.user)}


def overdue(request):
    rows = selectors.feed(request.user, state="overdue")
    return {"rows": list(rows[:8]), "total": rows.count()}
