"""容缺 for bundles (issue 13 item 2): per material, the rules of the items that ask for it decide; one notice
lists every tolerated material; where the item or the applicant's credit forbids it, the walk-in form does not
offer it and says why."""
import pytest
from django.urls import reverse

from applications import services as app_services
from applications.models import Application, Status
from applications.testing import complete_draft, make_bundle, make_item, make_person
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, Notice
from catalog import demo as catalog_demo
from catalog.models import Bundle
from portal.errors import DomainError
from portal.roles import Role


@pytest.fixture
def person(make_user):
    return make_person(make_user(Role.APPLICANT), name="王大妈")

pytestmark = pytest.mark.django_db


def food(tolerance=True):
    return make_item("食品经营许可", tolerance=tolerance, materials=[
        "食品经营许可申请书", ("经营场所平面图", {"tolerable": True})])


def hygiene(tolerance=True):
    return make_item("公共场所卫生许可", tolerance=tolerance, materials=[
        "公共场所卫生许可申请表", ("卫生管理制度", {"tolerable": True})])


def walk_in_bundle(clerk, person, bundle, skip, *, bad_credit=False):
    if bad_credit:
        person.bad_credit = True
        person.save()
    application = app_services.start_application(clerk, person, bundle=bundle, channel="1")
    complete_draft(application, clerk, skip=skip)
    return application


def tolerate_and_submit(application, clerk, names):
    for name in names:
        app_services.request_tolerance(application, application.materials.get(name=name), clerk, True)
    return app_services.submit(application, clerk)


def test_a_bundle_with_tolerable_materials_in_two_items_is_accepted_in_one_step_with_one_notice(clerk, person):
    bundle = make_bundle(items=[food(), hygiene()])
    application = walk_in_bundle(clerk, person, bundle, skip=("经营场所平面图", "卫生管理制度"))
    application = tolerate_and_submit(application, clerk, ["经营场所平面图", "卫生管理制度"])
    plan, rules = (application.materials.get(name=n) for n in ("经营场所平面图", "卫生管理制度"))

    notice = intake_services.accept_with_tolerance(application, clerk, {plan.pk: None, rules.pk: None},
                                                   paper_signatory="王大妈")

    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert Notice.objects.filter(application=application).count() == 1 and notice.kind == Notice.Kind.TOLERANCE
    cases = ApprovalCase.objects.filter(application=application)
    assert cases.count() == 2
    plan.refresh_from_db()
    rules.refresh_from_db()
    assert plan.tolerance_due_date and rules.tolerance_due_date
    for material, item in ((plan, "食品经营许可"), (rules, "公共场所卫生许可")):
        assert material.name in notice.body_html and item in notice.body_html
        assert f"{material.tolerance_due_date.year}年{material.tolerance_due_date.month}月" in notice.body_html
    assert "逾期未补交的后果" in notice.body_html


def test_in_a_bundle_the_item_that_forbids_tolerance_decides_for_its_own_materials_only(clerk, person, client):
    bundle = make_bundle(items=[food(), hygiene(tolerance=False)])
    application = walk_in_bundle(clerk, person, bundle, skip=("经营场所平面图",))
    plan, rules = (application.materials.get(name=n) for n in ("经营场所平面图", "卫生管理制度"))
    assert plan.tolerable and not rules.tolerable

    # The walk-in form offers 申请容缺 for the food material only, and says why not for the other item.
    client.force_login(clerk)
    page = client.get(reverse("approvals:walk_in_fill", args=[application.pk])).content.decode()
    assert f'name="tolerate_{plan.pk}"' in page and f'name="tolerate_{rules.pk}"' not in page
    assert "“公共场所卫生许可”不适用容缺受理" in page

    application = tolerate_and_submit(application, clerk, ["经营场所平面图"])
    with pytest.raises(DomainError, match="不属于该事项可容缺"):
        intake_services.accept_with_tolerance(application, clerk, {rules.pk: None}, paper_signatory="王大妈")
    notice = intake_services.accept_with_tolerance(Application.objects.get(pk=application.pk), clerk,
                                                   {plan.pk: None}, paper_signatory="王大妈")
    assert notice.kind == Notice.Kind.TOLERANCE and "经营场所平面图" in notice.body_html

    # The intake page of such a bundle offers 容缺受理 (before: refused because one item forbids it).
    other = tolerate_and_submit(walk_in_bundle(clerk, person, bundle, skip=("经营场所平面图",)), clerk, ["经营场所平面图"])
    page = client.get(reverse("approvals:intake", args=[other.pk])).content.decode()
    assert 'data-testid="outcome-tolerance"' in page and "“公共场所卫生许可”不适用容缺受理" in page


def test_bad_credit_is_not_offered_tolerance_and_is_told_why(clerk, person, client):
    bundle = make_bundle(items=[food(), hygiene()])
    application = walk_in_bundle(clerk, person, bundle, skip=(), bad_credit=True)
    client.force_login(clerk)
    page = client.get(reverse("approvals:walk_in_fill", args=[application.pk])).content.decode()
    assert "tolerate_" not in page and "严重失信主体，不适用容缺受理" in page
    with pytest.raises(DomainError, match="严重失信"):
        app_services.request_tolerance(application, application.materials.get(name="经营场所平面图"), clerk, True)
    application = app_services.submit(application, clerk)
    plan = application.materials.get(name="经营场所平面图")
    with pytest.raises(DomainError, match="严重失信"):
        intake_services.accept_with_tolerance(application, clerk, {plan.pk: None}, paper_signatory="王大妈")
    page = client.get(reverse("approvals:intake", args=[application.pk])).content.decode()
    assert 'data-testid="outcome-tolerance"' not in page and "严重失信主体，不适用容缺受理" in page


def test_the_demo_restaurant_bundle_accepts_its_two_tolerable_materials(clerk, person):
    catalog_demo.load(with_forms=False)
    bundle = Bundle.objects.get(title="我要开饭店")
    application = app_services.start_application(clerk, person, bundle=bundle, channel="1")
    names = [m.name for m in application.materials.all() if m.tolerable and m.required]
    assert len(names) == 2
    complete_draft(application, clerk, skip=tuple(names))
    application = tolerate_and_submit(application, clerk, names)
    tolerated = {m.pk: None for m in application.materials.filter(name__in=names)}
    notice = intake_services.accept_with_tolerance(application, clerk, tolerated, paper_signatory="王大妈")
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED and all(n in notice.body_html for n in names)
    assert application.materials.filter(tolerance_due_date__isnull=False).count() == 2
