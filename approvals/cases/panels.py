"""Home-page panels of the staged workflow (registered in ApprovalsConfig.ready)."""
from approvals.cases import selectors
from approvals.cases.forms import QUEUE_CHOICES
from portal.roles import Role

PANEL_ROWS = 6


def officer_cases(request):
    """An officer's own open cases (most urgent first) and how many wait in each queue of their sections."""
    user = request.user
    mine = selectors.my_cases(user)[:PANEL_ROWS]

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
    user = request.user
    sections = None if user.has_role(Role.BUREAU_LEADER) else list(user.headed_sections.values_list("id", flat=True))
    found = selectors.leader_overview(sections=sections)
    return {"by_section": found.by_section, "totals": found.totals}
