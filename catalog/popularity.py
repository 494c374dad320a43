"""How popular items and bundles are: the search ranks them by it (catalog.search, catalog.selectors).

The catalogue does not know who applies for its items: the app that takes applications registers a source
in its AppConfig.ready():

    popularity.register_source(counts)   # counts(since) -> (item counts {id: n}, bundle counts {id: n})

`refresh()` (the nightly task catalog.tasks.refresh_popularity) adds up the sources over the last year and
stores the result in Item.popularity / Bundle.popularity, so a search orders by a column instead of counting
applications.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

WINDOW_DAYS = 365

_sources: list[Callable] = []


def register_source(source: Callable) -> None:
    if source not in _sources:
        _sources.append(source)


def refresh() -> int:
    from catalog import services

    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    items, bundles = Counter(), Counter()
    for source in _sources:
        item_counts, bundle_counts = source(since)
        items.update(item_counts)
        bundles.update(bundle_counts)
    return services.refresh_popularity(dict(items), dict(bundles))
