"""Home-page panels: each app registers the panels it shows to a role, so portal never imports the apps.

    dashboard.register_panel(Role.WINDOW_CLERK, "approvals/panels/intake_queue.html", intake_panel, order=10)

`context(request)` returns the panel's template context (or None to hide the panel). Panels render in order.

The public landing page (signed-out visitors) has panels too, registered for the pseudo-role VISITOR: e.g. the
catalogue's search box, popular items and bundles, the latest public notices.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    role: str
    template: str
    context: Callable
    order: int = 100


# Not a Role: the panels of the public landing page, shown to visitors who are not signed in.
VISITOR = "visitor"

_panels: list[Panel] = []


def register_panel(role: str, template: str, context: Callable, order: int = 100) -> None:
    panel = Panel(str(role), template, context, order)
    if panel not in _panels:
        _panels.append(panel)


def panels_for(request, role: str) -> list[dict]:
    rendered = []
    for panel in sorted((p for p in _panels if p.role == role), key=lambda p: p.order):
        context = panel.context(request)
        if context is not None:
            rendered.append({"template": panel.template, "context": context})
    return rendered
