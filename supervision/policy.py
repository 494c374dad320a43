"""Who may see which handoff and do what in 审管联动.

A department user is a member of a supervising department (catalog.Department.members, kept in the admin) and sees
its handoffs, claims them,
reports results and manages its webhooks, tokens and feed. Bureau leaders and administrators see every handoff
(the leaders follow overdue claims); administrators manage any department's webhooks and tokens. Nobody else
sees them. A department API token reads and acts for its own department only (supervision.api).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, forbidden, rule
from portal.roles import Role
from supervision.models import Handoff, SupervisionRecord

SEES_ALL = (Role.BUREAU_LEADER, Role.ADMINISTRATOR)


def department_of(user: User):
    """The department a department user works for (the first by code if several; cached on the user object), or
    None. A request made with a department API token carries the token's department
    (supervision.api.DepartmentTokenAuthentication)."""
    if hasattr(user, "_supervision_department"):
        return user._supervision_department
    if not (user and user.is_authenticated and user.has_role(Role.DEPARTMENT_USER)):
        return None
    user._supervision_department = user.departments.order_by("code").first()
    return user._supervision_department


def sees_all(user: User) -> bool:
    if getattr(user, "_supervision_token", None) is not None:  # a token reads its own department only
        return False
    return bool(user and user.is_authenticated and user.has_role(*SEES_ALL))


def visible_handoffs(user: User) -> QuerySet[Handoff]:
    if sees_all(user):
        return Handoff.objects.filter(department__isnull=False)  # a 12345 platform's messages are not handoffs
    department = department_of(user)
    if department is None:
        return Handoff.objects.none()
    return Handoff.objects.filter(department=department)


def _own(handoff: Handoff, user: User) -> Verdict:
    department = department_of(user)
    if department is None or department.pk != handoff.department_id:
        return forbidden(_("只有该推送所属监管部门的人员可以办理。"))
    return ALLOWED


def can_claim(handoff: Handoff, user: User) -> Verdict:
    verdict = _own(handoff, user)
    if not verdict:
        return verdict
    if handoff.claimed_at is not None:
        return conflict(_("该推送已由 %(who)s 于 %(when)s 认领。") % {
            "who": handoff.claimed_by, "when": handoff.claimed_at.strftime("%Y-%m-%d %H:%M")}, "claimed")
    return ALLOWED


def can_record(handoff: Handoff, user: User, kind: str = "") -> Verdict:
    verdict = _own(handoff, user)
    if not verdict:
        return verdict
    if handoff.claimed_at is None:
        return rule(_("请先认领该推送，再反馈监管结果。"), "unclaimed")
    commitment_kinds = (SupervisionRecord.Kind.COMMITMENT_CONFIRMED, SupervisionRecord.Kind.COMMITMENT_FALSE)
    if kind in commitment_kinds and handoff.kind != Handoff.Kind.COMMITMENT:
        return rule(_("承诺核查结果只能在告知承诺核查推送上反馈。"), "not_commitment")
    if kind in ("suspension", "revocation") and handoff.certificate_id is None:
        return rule(_("该推送没有关联证照，不能暂扣或撤销。"), "no_certificate")
    return ALLOWED


def can_manage(department, user: User) -> Verdict:
    """Webhooks, tokens and the feed of a department: its own people, or an administrator."""
    if user.has_role(Role.ADMINISTRATOR) and getattr(user, "_supervision_token", None) is None:
        return ALLOWED
    own = department_of(user)
    if own is None or own.pk != department.pk:
        return forbidden(_("只能管理本部门的推送设置。"))
    return ALLOWED


def _private(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # unresolvable now: delivery will fail and retry; not an internal address we know of
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return True
    return False


def check_webhook_url(url: str) -> Verdict:
    """A receiver address: http(s) with a host; in production HTTPS only and no internal address (the portal
    must not be a way to reach the bureau's own network). SUPERVISION_WEBHOOK_ALLOW_PRIVATE relaxes both for
    local receivers (development, tests, a department on the government intranet)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return rule(_("接收地址应为 http:// 或 https:// 开头的完整网址。"), "url")
    if getattr(settings, "SUPERVISION_WEBHOOK_ALLOW_PRIVATE", False):
        return ALLOWED
    if parts.scheme != "https":
        return rule(_("接收地址必须使用 https。"), "url_https")
    if _private(parts.hostname):
        return rule(_("接收地址不能是内网或本机地址。"), "url_private")
    return ALLOWED
