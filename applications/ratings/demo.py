"""Demo 好差评 for `make run` (ApplicationsConfig.load_demo, after the demo accounts and catalogue): window-visit
ratings of the demo clerk over the last four months, mostly good, with one bad rating whose rectification ticket
waits for the head of the item's section (satisfaction about 92 %: real centres report above 99 %, the demo keeps
a bad one to show the 差评整改 desk)."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from applications.ratings import services
from applications.ratings.models import Rating, RectificationTicket
from portal.models import User

# (days ago, level, comment)
RATINGS = [
    (100, 5, ""), (95, 5, "一次就办好了"), (80, 4, ""), (70, 5, ""), (60, 3, "等候时间稍长"), (45, 5, ""),
    (40, 4, "工作人员很耐心"), (30, 5, ""), (20, 5, ""), (12, 4, ""), (5, 5, "帮办代办很贴心"),
    (1, 2, "窗口告知的材料和网上办事指南不一致，跑了两趟"),
]


def load() -> str:
    from catalog import selectors as catalog_selectors

    if Rating.objects.exists():
        return "demo ratings already loaded"
    clerk = User.objects.filter(username="clerk").first()
    item = catalog_selectors.published_items().filter(name="食品经营许可").select_related("section").first()
    if clerk is None or item is None:
        return "demo ratings skipped: the demo accounts and the demo catalogue come first"
    now = timezone.now()
    for days_ago, level, comment in RATINGS:
        visit = services.open_visit(clerk, purpose=item.name)
        rating = services.rate_visit(visit, clerk, level, comment)
        Rating.objects.filter(pk=rating.pk).update(created_at=now - timedelta(days=days_ago), item=item,
                                                   section_id=item.section_id,
                                                   department_id=item.competent_department_id)
        RectificationTicket.objects.filter(rating=rating).update(section_id=item.section_id)
    return f"{len(RATINGS)} demo ratings (好差评), one bad with its rectification ticket (差评整改)"
