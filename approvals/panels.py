"""Home-page panels of the receive stage (registered in ApprovalsConfig.ready)."""
from approvals import selectors


def intake_queue(request):
    page = selectors.intake_queue()[:8]
    return {"rows": selectors.queue_rows(page), "total": selectors.intake_queue().count()}


def issuing_window(request):
    """Applications whose every case is decided: waiting at the issuing window (统一出件)."""
    waiting = selectors.at_issuing_window()
    return {"rows": list(waiting[:8]), "total": waiting.count()}


# --- the staged workflow (the officers' pages: approvals/case_views.py) ------------------------------------------

PANEL_ROWS = 6


def officer_cases(request):
    """An officer's own open cases (most urgent first) and how many wait in each queue of their sections."""
    user = request.user
    mine = selectors.my_cases(user)[:PANEL_ROWS]
    from approvals.case_forms import QUEUE_CHOICES

    waiting = [(name, label, selectors.queue(name, officer=user, waiting=True).count())
               for name, label in QUEUE_CHOICES if name != "legal_review"]
    return {"rows": selectors.case_rows(mine), "waiting": waiting}


def legal_queue(request):
    cases = selectors.queue("legal_review", officer=request.user)
    return {"rows": selectors.case_rows(cases[:PANEL_ROWS]), "total": cases.count()}


def head_extensions(request):
    pending = selectors.pending_extensions(request.user)
    return {"rows": list(pending[:PANEL_ROWS]), "total": pending.count()}


def warnings_overview(request):
    """Red / yellow / statutory alarm counts: a leader across sections, a head over their own."""
    from portal.roles import Role

    user = request.user
    sections = None if user.has_role(Role.BUREAU_LEADER) else list(user.headed_sections.values_list("id", flat=True))
    found = selectors.leader_overview(sections=sections)
    return {"by_section": found.by_section, "totals": found.totals}
