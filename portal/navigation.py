"""A registry of navigation entries: each app adds its own in AppConfig.ready(), so adding a page is one line."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, reverse


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
        _menus.clear()


# Every page shows the menu: built once per set of roles (and script prefix), not reversed on every request.
# The labels stay lazy, so each page shows them in its own language.
_menus: dict[tuple, tuple[dict, ...]] = {}


@receiver(setting_changed)
def _urls_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _menus.clear()


def items_for(user) -> list[dict]:
    held = frozenset(user.roles) if user.is_authenticated else None
    key = (held, get_script_prefix())
    menu = _menus.get(key)
    if menu is None:
        if held is not None:
            chosen = [i for i in _items if not i.anonymous_only and (not i.roles or i.roles & held)]
        else:
            chosen = [i for i in _items if i.public]
        menu = _menus[key] = tuple(_entry(item) for item in sorted(chosen, key=lambda i: i.order))
    return [dict(entry) for entry in menu]


def _entry(item: NavItem) -> dict:
    try:
        return {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
    except NoReverseMatch:  # pragma: no cover - a registration error shows up in tests/test_navigation
        raise


# --- object actions: a page of one app links to another app's page for an object without naming that app ---------

_actions: dict[str, str] = {}


def register_action(key: str, url_name: str) -> None:
    """E.g. register_action("apply_item", "applications:apply_item"): the catalogue's guide then links to the
    application form for an item through `action_url("apply_item", item.pk)` (the catalogue never names the
    applications app, which depends on it)."""
    _actions[key] = url_name


def action_url(key: str, *args) -> str | None:
    """The URL of a registered action for these arguments, or None when no app offers it (no link is shown)."""
    url_name = _actions.get(key)
    return reverse(url_name, args=args) if url_name else None
