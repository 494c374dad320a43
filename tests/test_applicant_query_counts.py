"""Issue 14: the applicant's pages send a fixed number of SQL statements whatever their length (我的办件 with 5 or
50 applications, for the applicant's own account or for an agent), and 我的办件 asks PostgreSQL only what its
indexes serve: the represented applicants first, then `filed_by = X OR applicant_id IN (...)`, never an EXISTS
over representations (which made PostgreSQL scan every application: bench/approvals_bench.py --explain)."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import selectors, services
from applications.testing import credit_code, make_bundle, make_item, make_person, submitted_application
from approvals.intake import services as intake
from portal import clock
from portal.roles import Role

pytestmark = pytest.mark.django_db


def statements(client, url, **params) -> list[str]:
    client.get(url, params)  # warm: per-process caches (calendar, content types) are not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def file_drafts(user, applicant, item, count: int) -> None:
    for _ in range(count):
        services.start_application(user, applicant, item=item)


@pytest.fixture
def owner(make_user):
    return make_user(Role.APPLICANT, real_name="张丽华", mobile="13800000001")


@pytest.fixture
def firm(owner):
    return services.add_enterprise(owner, name="延安市宝塔餐饮管理有限公司", credit_code=credit_code(),
                                   legal_representative="张丽华")


def test_my_applications_statements_do_not_grow_with_the_list(client, owner, firm, make_user):
    item = make_item()
    person = make_person(owner)
    clerk = make_user(Role.WINDOW_CLERK)
    # Rows of every kind the list shows: submitted with an open supplement notice, drafts, the firm's.
    application = submitted_application(owner, person, item=item)
    intake.request_supplement(application, clerk, [(application.materials.get(name="经营场所平面图"), "请补充")])
    file_drafts(owner, person, item, 2)
    file_drafts(owner, firm, item, 2)
    client.force_login(owner)
    url = reverse("applications:list")
    five = statements(client, url)
    assert client.get(url).content.decode().count('data-testid="application-row"') == 5

    file_drafts(owner, person, item, 25)
    file_drafts(owner, firm, item, 20)
    fifty = statements(client, url)
    assert len(fifty) == len(five), (five, fifty)
    assert len(statements(client, url, page=3)) == len(five)
    assert len(statements(client, url, status="draft")) == len(five)
    assert len(statements(client, url, q="食品")) == len(five)
    page = client.get(url).content.decode()
    assert page.count('data-testid="application-row"') == 20 and "共 50 条" in page


def test_an_agent_and_an_owner_send_the_same_statements(client, owner, make_user):
    item = make_item()
    person = make_person(owner)
    agent = make_user(Role.AGENT, real_name="刘代办")
    services.grant_agent_consent(owner, person, agent, purpose="代办食品经营许可",
                                 valid_until=clock.today() + timedelta(days=180), item=item)
    file_drafts(agent, person, item, 6)  # filed by the agent: the owner sees them through the representation
    file_drafts(owner, person, item, 3)
    url = reverse("applications:list")
    client.force_login(agent)
    as_agent = statements(client, url)
    assert client.get(url).content.decode().count('data-testid="application-row"') == 6
    client.force_login(owner)
    as_owner = statements(client, url)
    assert client.get(url).content.decode().count('data-testid="application-row"') == 9
    assert len(as_agent) == len(as_owner), (as_agent, as_owner)
    file_drafts(agent, person, item, 30)
    client.force_login(agent)
    assert len(statements(client, url)) == len(as_agent)


def test_the_visibility_filter_is_served_by_indexes(owner, firm):
    """`filed_by = X OR applicant_id IN (...)`: no EXISTS, no join to the representations; the paginator's count
    is that filter alone (no join, no GROUP BY), and the open-notice flag is read per row shown."""
    make_person(owner)
    applications = selectors.my_applications(owner)
    where = str(applications.query).split(" WHERE ", 1)[1].split(" ORDER BY ")[0]
    assert "EXISTS" not in where.upper() and "applications_representation" not in where, where
    assert '"applications_application"."filed_by_id" =' in where and '"applications_application"."applicant_id" IN' in where
    with CaptureQueriesContext(connection) as captured:
        applications.count()
    count = captured.captured_queries[-1]["sql"]
    assert "JOIN" not in count and "GROUP BY" not in count and "EXISTS" not in count, count


def test_the_detail_statements_do_not_grow_with_the_application(client, owner, make_user):
    clerk = make_user(Role.WINDOW_CLERK)
    single = submitted_application(owner, item=make_item())
    bundle = submitted_application(owner, bundle=make_bundle())  # two items, twice the materials and files
    assert bundle.items.count() == 2 and bundle.materials.count() > single.materials.count()
    client.force_login(owner)
    small = statements(client, reverse("applications:detail", args=[single.pk]))
    large = statements(client, reverse("applications:detail", args=[bundle.pk]))
    assert len(small) == len(large), (small, large)
    # An open supplement notice adds its own reads, whatever the number of materials it names.
    intake.request_supplement(single, clerk, [(single.materials.get(name="经营场所平面图"), "请补充")])
    intake.request_supplement(bundle, clerk, [(m, "请补充") for m in bundle.materials.all() if m.asked][:4])
    assert len(statements(client, reverse("applications:detail", args=[single.pk]))) == len(
        statements(client, reverse("applications:detail", args=[bundle.pk])))
