"""Demo applications at every step, so `make run` opens on a portal with work in it: a draft and a supplement to
answer for the demo applicant, her approved licence (in the registry) and a draft to change it that takes the
licence from the registry, walk-ins waiting at intake, a bundle in review, a case at on-site inspection, one
waiting for the decision and decided ones at the issuing window. Everything goes through the real services
(numbers, notices, audit rows, due dates by the clock), as the people of the demo would do it.
Loaded once: a second run finds the demo applicants' applications and does nothing.
"""
from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from applications import formspecs
from applications import services as app_services
from applications.models import Application, Representation
from applications.testing import PDF_BYTES, citizen_id, credit_code
from approvals.cases import services as case_services
from approvals.intake import services as intake_services
from approvals.models import Inspection, Stage
from catalog import selectors as catalog_selectors
from catalog.models import Bundle, Item
from portal import clock
from portal.models import User

log = logging.getLogger(__name__)

# Walk-in applicants (ID numbers with valid check characters, generated from fixed serials).
WALK_INS = {
    "jufulou": dict(id_number=credit_code(8101), name="延安市宝塔区聚福楼餐饮有限公司", legal_representative="王建军",
                    contact_mobile="13909110021", address="宝塔区二道街88号"),
    "liu": dict(id_number=citizen_id(date(1985, 6, 12), serial=102), name="刘春梅", contact_mobile="13909110022",
                address="宝塔区枣园路16号"),
    "zhao": dict(id_number=citizen_id(date(1979, 11, 2), serial=131), name="赵志强", contact_mobile="13909110023",
                 address="宝塔区七里铺街道百米大道9号"),
    "kangning": dict(id_number=credit_code(8104), name="延安康宁大药房连锁有限公司", legal_representative="孙立新",
                     contact_mobile="13909110024", address="宝塔区北关街3号"),
}

FORM_VALUES = {
    "delivery": formspecs.DELIVERY_WINDOW,
    "food_business_type": "餐饮服务经营者",
    "food_business_items": "热食类食品制售、冷食类食品制售",
    "business_area": "120",
    "venue_type": "美容美发场所",
    "building_area": "3600",
    "land_certificate": "陕(2026)宝塔区不动产权第0012号",
    "contract_price": "960",
    "construction_unit": "延安建工集团有限公司",
}


def _item(name: str) -> Item:
    item = catalog_selectors.published_items().filter(name=name).first()
    if item is None:
        raise LookupError(name)
    return item


def _fill(application: Application, user: User, *, project: str, address: str, description: str,
          contact: str, mobile: str, skip: tuple[str, ...] = ()) -> None:
    """The form (known values, else the first choice) and one scanned PDF per asked material."""
    data = {"project_name": project, "site_address": address, "description": description,
            "contact_name": contact, "contact_mobile": mobile}
    for spec_field in app_services.form_spec(application).fields:
        if spec_field.key not in data:
            data[spec_field.key] = FORM_VALUES.get(spec_field.key) or (spec_field.choices[0] if spec_field.choices
                                                                      else "")
    errors = app_services.save_form(application, user, data, final=True)
    if errors:
        raise ValueError(errors)
    for material in application.materials.all():
        if material.asked and material.name not in skip:
            from django.core.files.uploadedfile import SimpleUploadedFile

            app_services.upload_file(application, material, user,
                                     SimpleUploadedFile(f"{material.name}.pdf", PDF_BYTES, "application/pdf"))


def _walk_in(key: str, clerk: User, *, item=None, bundle=None, project: str, description: str, skip=()):
    details = WALK_INS[key]
    applicant, _created = app_services.find_or_register_walk_in(clerk, **details)
    application = app_services.start_application(clerk, applicant, item=item, bundle=bundle, channel="1")
    contact = details.get("legal_representative") or details["name"]
    _fill(application, clerk, project=project, address=details["address"], description=description,
          contact=contact, mobile=details["contact_mobile"], skip=skip)
    return app_services.submit(application, clerk)


def _accept(application: Application, clerk: User) -> list:
    intake_services.claim(application, clerk)
    intake_services.accept(application, clerk, opinion=_("材料齐全，符合法定形式，予以受理。"))
    return list(application.approval_cases.order_by("id"))


def _review(case, reviewer: User, opinion: str):
    case = case_services.claim_case(case, reviewer)
    return case_services.complete_review(case, reviewer, opinion)


def _schedule_visit(case, scheduler: User, inspectors: list[User], place: str) -> Inspection:
    """A site visit on the next working day."""
    return case_services.schedule_inspection([case], clock.add_working_days(clock.today(), 1), place, inspectors, scheduler)


def _to_decision(case, people: dict):
    """Move a reviewed case through inspection (as its item asks) up to the decision."""
    case = type(case).objects.get(pk=case.pk)
    if case.stage == Stage.INSPECTION:
        visit = case_services.schedule_inspection([case], clock.today(), case.application.form_data.get("site_address", ""),
                                             [people["inspector1"], people["inspector2"]], people["officer2"])
        case_services.record_inspection_result(visit, people["inspector1"],
                                          _("经营场所布局合理，设施设备与申报一致，符合要求。"), Inspection.Outcome.PASS)
        case_services.cosign_inspection(visit, people["inspector2"])  # 会签 by the other inspector (Art. 34)
        case = type(case).objects.get(pk=case.pk)
    return case


def _decide(case, people: dict, approve: bool, **kwargs):
    """The certifier decides; for an item flagged for legal review that is a draft, which legal review passes."""
    made = case_services.decide(case, people["certifier"], approve, **kwargs)
    case = type(case).objects.get(pk=case.pk)
    if case.stage == Stage.LEGAL_REVIEW:
        case = case_services.claim_case(case, people["legal"])
        case_services.legal_review(case, people["legal"], True, _("程序合法，依据充分。"))
        made = type(case).objects.get(pk=case.pk).decision
    return made


def _self_identity(user: User):
    own = Representation.objects.filter(user=user, relation="self").select_related("applicant").first()
    if own is not None:
        return own.applicant
    return app_services.add_person_identity(user, user.real_name, user.citizen_id or citizen_id(serial=100))


@transaction.atomic
def load() -> str:
    demo_ids = [details["id_number"] for details in WALK_INS.values()]
    if Application.objects.filter(applicant__id_number__in=demo_ids).exists():
        return "demo applications already loaded"
    wanted = ("applicant", "clerk", "officer2", "inspector1", "inspector2", "certifier", "legal")
    people = {user.username: user for user in User.objects.filter(username__in=wanted)}
    if len(people) < len(wanted) or not catalog_selectors.published_items().filter(name="食品经营许可").exists():
        return "demo applications skipped: the demo accounts and the demo catalogue come first"
    clerk = people["clerk"]

    # The demo applicant (张丽华): a draft to resume, and an application the clerk asked to complete.
    lihua = people["applicant"]
    person = _self_identity(lihua)
    draft = app_services.start_application(lihua, person, item=_item("食品经营许可"))
    app_services.save_form(draft, lihua, {"project_name": "丽华小吃店", "site_address": "宝塔区南关街12号",
                                          "contact_name": lihua.real_name, "contact_mobile": lihua.mobile})
    salon = app_services.start_application(lihua, person, item=_item("公共场所卫生许可"))
    _fill(salon, lihua, project="丽华美发工作室", address="宝塔区南关街14号", description="美容美发，面积80平方米",
          contact=lihua.real_name, mobile=lihua.mobile)
    salon = app_services.submit(salon, lihua)
    intake_services.claim(salon, clerk)
    first = salon.materials.filter(files__isnull=False).order_by("id").first()
    intake_services.request_supplement(salon, clerk, [(first, _("扫描件不清晰，请上传清晰的原件扫描件"))])

    # Her snack bar's 食品经营许可, approved: the 食品经营许可证 is in the licence registry (我的证照), and her draft to
    # change it finds the licence there (电子证照库调取, no upload).
    snack = app_services.start_application(lihua, person, item=_item("食品经营许可"))
    _fill(snack, lihua, project="丽华凉皮店", address="宝塔区南关街16号", description="冷食类食品制售，面积40平方米",
          contact=lihua.real_name, mobile=lihua.mobile)
    snack = app_services.submit(snack, lihua)
    (case,) = _accept(snack, clerk)
    case = _to_decision(_review(case, people["officer2"], _("材料齐全，需现场核查经营场所。")), people)
    _decide(case_services.claim_case(case, people["certifier"]), people, True,
            opinion=_("经审查和现场核查，符合食品经营许可条件，准予许可。"))
    change_item = catalog_selectors.published_items().filter(name="食品经营许可（变更）").first()
    if change_item is not None:
        change = app_services.start_application(lihua, person, item=change_item)
        app_services.save_form(change, lihua, {"project_name": "丽华凉皮店", "site_address": "宝塔区南关街16号",
                                               "description": "增加热食类食品制售",
                                               "contact_name": lihua.real_name, "contact_mobile": lihua.mobile})

    # Walk-ins waiting at intake (one with a material missing: the clerk will send one supplement notice).
    _walk_in("zhao", clerk, item=_item("公共场所卫生许可"), project="志强足浴店", description="沐浴场所，面积150平方米")
    pharmacy_item = catalog_selectors.published_items().filter(name__startswith="药品零售").first()
    if pharmacy_item is not None:
        _walk_in("kangning", clerk, item=pharmacy_item, project="康宁大药房北关店", description="药品零售（单体药店）")

    # A restaurant bundle accepted: its cases wait in each section's review queue, one held by an officer.
    bundle = Bundle.objects.filter(title="我要开饭店", published=True).first()
    if bundle is not None:
        feast = _walk_in("jufulou", clerk, bundle=bundle, project="聚福楼酒家",
                         description="中餐类制售，营业面积320平方米，门头招牌一块")
        cases = _accept(feast, clerk)
        case_services.claim_case(cases[0], people["officer2"])

    # 刘春梅's 食品经营许可: reviewed, at on-site inspection (two inspectors, tomorrow).
    noodle = _walk_in("liu", clerk, item=_item("食品经营许可"), project="春梅面馆",
                      description="热食类食品制售，面积60平方米")
    (case,) = _accept(noodle, clerk)
    case = _review(case, people["officer2"], _("材料齐全，需现场核查经营场所。"))
    if case.stage == Stage.INSPECTION:
        _schedule_visit(case, people["officer2"], [people["inspector1"], people["inspector2"]], "宝塔区枣园路16号")

    # 刘春梅's renewal: through every stage it needs and decided: waiting at the issuing window.
    renewal_item = catalog_selectors.published_items().filter(name="食品经营许可（延续）").first()
    if renewal_item is not None:
        renewal = _walk_in("liu", clerk, item=renewal_item, project="春梅小吃部",
                           description="食品经营许可证到期延续")
        (case,) = _accept(renewal, clerk)
        case = _review(case, people["officer2"], _("延续申请材料齐全，经营条件未发生变化。"))
        case = _to_decision(case, people)
        case = case_services.claim_case(case, people["certifier"])
        _decide(case, people, True, opinion=_("同意延续。"))

    count = Application.objects.filter(applicant__id_number__in=demo_ids + [person.id_number]).count()
    return f"{count} demo applications: drafts (one taking a licence from the registry), a supplement to answer, " \
           f"walk-ins at intake, cases in review, at inspection and at the issuing window (one licence issued)"
