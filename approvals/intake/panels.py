"""Home-page panels of the receive stage (registered in ApprovalsConfig.ready)."""
from approvals.intake import selectors


def intake_queue(request):
    page = selectors.intake_queue()[:8]
    return {"rows": selectors.queue_rows(page), "total": selectors.intake_queue().count()}


def issuing_window(request):
    """Applications whose every case is decided: waiting at the issuing window (统一出件), the nearest Art. 44
    date first, with its colour."""
    waiting = selectors.at_issuing_window()
    return {"rows": selectors.issuing_rows(waiting[:8]), "total": waiting.count()}
