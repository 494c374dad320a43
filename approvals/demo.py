"""Demo staff of the staged workflow, for `make run` (loaded by ApprovalsConfig.load_demo after the demo accounts
and the demo catalogue): the four-way separation needs a reviewer, two inspectors and a certifier besides the
clerk, so a section can walk a case from review to decision with the demo accounts alone. portal/demo.py's nine
accounts stay as they are; these join them with the same password."""
from __future__ import annotations

from django.db import transaction

from portal.demo import DEMO_PASSWORD
from portal.models import User
from portal.roles import Role
from portal.services import ensure_role_groups, grant_role

# username, real name, mobile, e-mail, what they usually do (the services decide who may do what)
DEMO_STAFF = [
    ("officer2", "何文静", "13800000010", "officer2@example.cn", "审查"),
    ("inspector1", "杨立军", "13800000011", "inspector1@example.cn", "勘验"),
    ("inspector2", "郭海涛", "13800000012", "inspector2@example.cn", "勘验"),
    ("certifier", "马丽萍", "13800000013", "certifier@example.cn", "决定（出证）"),
]


@transaction.atomic
def load() -> str:
    """Create (or refresh) the demo approval officers and attach them to every demo section."""
    from catalog.demo import SECTIONS
    from catalog.models import Section

    ensure_role_groups()
    sections = list(Section.objects.filter(code__in=[code for code, _name, _phone in SECTIONS]))
    for username, real_name, mobile, email, _work in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"real_name": real_name, "mobile": mobile, "email": email})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if Role.APPROVAL_OFFICER not in user.roles:
            grant_role(user, Role.APPROVAL_OFFICER)
        for section in sections:
            section.members.add(user)
    names = ", ".join(f"{u} ({w})" for u, _n, _m, _e, w in DEMO_STAFF)
    return f"demo approval staff {names} in {len(sections)} sections (password {DEMO_PASSWORD})"
