"""Panels of the public landing page (registered in CatalogConfig.ready for portal.dashboard.VISITOR)."""
from catalog import selectors


def search(request):
    """The search box, with the most applied-for items under it."""
    return {"popular": selectors.popular_items()}


def bundles(request):
    found = selectors.guide_bundles()
    return {"bundles": found} if found else None
