"""A registry of navigation entries: each app adds its own in AppConfig.ready(), so adding a page is one line."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]  # empty = every signed-in user
    order: int = 100
    public: bool = False  # shown to visitors who are not signed in
    anonymous_only: bool = False  # shown only to visitors who are not signed in (e.g. registration)


_items: list[NavItem] = []


def register(label, url_name: str, roles=(), order: int = 100, public: bool = False,
             anonymous_only: bool = False) -> None:
    item = NavItem(label, url_name, frozenset(roles), order, public or anonymous_only, anonymous_only)
    if item not in _items:
        _items.append(item)


def items_for(user) -> list[dict]:
    if user.is_authenticated:
        held = user.roles
        chosen = [i for i in _items if not i.anonymous_only and (not i.roles or i.roles & held)]
    else:
        chosen = [i for i in _items if i.public]
    result = []
    for item in sorted(chosen, key=lambda i: i.order):
        try:
            result.append({"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name})
        except NoReverseMatch:  # pragma: no cover - a registration error shows up in tests/test_navigation
            raise
    return result
