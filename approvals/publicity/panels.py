"""The latest licensing decisions made public (双公示) as a panel of the public landing page."""
from approvals.publicity import selectors

LATEST = 5


def latest(request):
    """The newest decisions of the public listing (two queries: the rows and their items' facts)."""
    return {"records": selectors.page(size=LATEST).records}
