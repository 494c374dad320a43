"""Demo accounts, one per role, for `make run`. Never loaded unless DEBUG is on or --allow-production is given."""
from django.db import transaction

from portal.models import User
from portal.roles import Role
from portal.services import ensure_role_groups, grant_role

DEMO_PASSWORD = "Demo@2026"

# username, role, real name, mobile, citizen ID (valid check characters), e-mail
DEMO_ACCOUNTS = [
    ("applicant", Role.APPLICANT, "张丽华", "13800000001", "610602199003150021", "applicant@example.cn"),
    ("agent", Role.AGENT, "李帮办", "13800000002", "", "agent@example.cn"),
    ("clerk", Role.WINDOW_CLERK, "王晓燕", "13800000003", "", "clerk@example.cn"),
    ("officer", Role.APPROVAL_OFFICER, "刘建国", "13800000004", "", "officer@example.cn"),
    ("sectionhead", Role.SECTION_HEAD, "陈志强", "13800000005", "", "sectionhead@example.cn"),
    ("leader", Role.BUREAU_LEADER, "赵卫东", "13800000006", "", "leader@example.cn"),
    ("legal", Role.LEGAL_REVIEWER, "孙法明", "13800000007", "", "legal@example.cn"),
    ("dept", Role.DEPARTMENT_USER, "周监管", "13800000008", "", "dept@example.cn"),
    ("admin", Role.ADMINISTRATOR, "系统管理员", "13800000009", "", "admin@example.cn"),
]


@transaction.atomic
def load() -> list[tuple[str, str, str]]:
    """Create or refresh the demo accounts; returns (username, role label, password) rows to print."""
    ensure_role_groups()
    rows = []
    for username, role, real_name, mobile, citizen_id, email in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"real_name": real_name, "mobile": mobile, "citizen_id": citizen_id, "email": email},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = role in (Role.ADMINISTRATOR,)
        user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
        if role not in user.roles:
            grant_role(user, role)
        rows.append((username, str(role.label), DEMO_PASSWORD))
    return rows
