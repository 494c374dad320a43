"""Home-page panels of the receive stage (registered in ApprovalsConfig.ready)."""
from approvals import selectors


def intake_queue(request):
    page = selectors.intake_queue()[:8]
    return {"rows": selectors.queue_rows(page), "total": selectors.intake_queue().count()}
