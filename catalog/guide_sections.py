"""Blocks that apps to the right of the catalogue add to the public guide pages, registered in their
AppConfig.ready(), so the catalogue never imports them (e.g. applications adds the satisfaction figures of 好差评).

A provider is `provider(item) -> {"template": ..., "context": {...}} | None` (None: nothing to show for this item).
"""
from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object], "dict | None"]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def for_item(item) -> list[dict]:
    return [block for block in (provider(item) for provider in _providers) if block]
