"""Demo data of 审管联动: the demo department user works for the market regulator (宝塔区市场监督管理局), which
supervises most demo items, so the department's feed fills as the demo cases are decided."""
from catalog.models import Department
from portal.models import User

DEMO_DEPARTMENT = "宝塔区市场监督管理局"


def load() -> str:
    user = User.objects.filter(username="dept").first()
    department = Department.objects.filter(name=DEMO_DEPARTMENT).first()
    if user is None or department is None:
        return "supervision: no demo department user or department"
    department.members.add(user)
    return f"supervision: {user.username} works for {department.name}"
