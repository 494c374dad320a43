"""Demo data of the problem desk: a 12345 platform (its token is never printed here: only a hash is stored;
`manage.py hotline_token 12345-city` makes one) and a few tickets at different steps."""
from __future__ import annotations

import secrets

from django.db import transaction

from applications.problems import services
from applications.problems.models import HotlinePlatform, ProblemChannel, ProblemTicket, Satisfaction
from catalog.models import Section
from portal.models import User

PLATFORM_CODE = "12345-city"


@transaction.atomic
def load() -> str:
    platform, _created = HotlinePlatform.objects.get_or_create(
        code=PLATFORM_CODE, defaults={"name": "延安市12345政务服务便民热线"})
    if not platform.token_hash:  # a token nobody knows: the administrator makes a usable one with the command
        platform.token_hash = services.hash_token(services.TOKEN_PREFIX + secrets.token_urlsafe(32))
        platform.save(update_fields=["token_hash"])
    clerk = User.objects.filter(username="clerk").first()
    section = Section.objects.order_by("code").first()
    if clerk is None or section is None or ProblemTicket.objects.exists():
        return f"applications: 12345 platform {platform.code}"
    applicant = User.objects.filter(username="applicant").first()
    online = services.file_online(
        title="食品经营许可被要求提供清单外的证明", description="窗口要求提供房屋租赁备案证明，办事指南的材料清单中没有这一项。",
        contact_name="张丽华", contact_mobile="13800000001", user=applicant)
    services.assign(online, clerk, section=section, note="请核实材料要求，3个工作日内答复申请人。")
    window = services.record(clerk, channel=ProblemChannel.WINDOW, title="跨区域通办事项不知道在哪个窗口办理",
                             description="外地营业执照变更，跑了两个窗口都说不归自己管。", contact_name="马建军",
                             contact_mobile="13912345678")
    services.assign(window, clerk, section=section)
    window = services.reply(window, clerk, "已安排综合窗口受理并全程帮办，预约周三上午办理。")
    services.follow_up(window, clerk, satisfaction=Satisfaction.SATISFIED, note="群众表示问题已解决，对帮办服务满意。")
    order, _created = services.receive_work_order(platform, {
        "work_order_number": "YA12345-20260001", "title": "网上申请提交后一直显示待受理",
        "description": "上周网上提交的申请至今未受理，电话无人接听。", "contact_name": "李娜",
        "contact_mobile": "13700001111", "related_case_number": ""})
    return f"applications: 12345 platform {platform.code}; problem tickets {online.number}, {window.number}, {order.number}"
