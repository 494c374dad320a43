"""The public read API of the catalogue and its OpenAPI documentation."""
import pytest
import yaml
from django.core.files.base import ContentFile

from catalog import services
from catalog.codesets import Channel, MaterialSource
from catalog.models import Material, Theme
from catalog.testing import make_bundle, make_department, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    market = make_department("宝塔区市场监督管理局", code="SCJG")
    health = make_department("宝塔区卫生健康局", code="WSJK")
    food = make_item("食品经营许可", department=market, keywords="餐饮", publish=True, statutory_limit=10, promised_limit=3,
                     materials=[{"name": "申请书"}, {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0}])
    Material.objects.get(item=food, name="申请书").blank_form.save("a.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    hygiene = make_item("公共场所卫生许可", department=health, publish=True, channels=[Channel.WINDOW], service_objects=["2"])
    hidden = make_item("未发布事项", department=market)
    return {"food": food, "hygiene": hygiene, "hidden": hidden}


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_items_are_public_and_published_only(client, catalogue):
    assert names(client.get("/api/catalog/items/")) == {"食品经营许可", "公共场所卫生许可"}


def test_item_filters(client, catalogue):
    Theme.objects.create(code="canyin", name="餐饮住宿").items.add(catalogue["food"])
    assert names(client.get("/api/catalog/items/", {"keyword": "食品"})) == {"食品经营许可"}
    assert names(client.get("/api/catalog/items/", {"keyword": "餐饮"})) == {"食品经营许可"}
    assert names(client.get("/api/catalog/items/", {"department": "WSJK"})) == {"公共场所卫生许可"}
    dept_id = catalogue["food"].competent_department_id
    assert names(client.get("/api/catalog/items/", {"department": dept_id})) == {"食品经营许可"}
    assert names(client.get("/api/catalog/items/", {"service_object": "1"})) == {"食品经营许可"}
    assert names(client.get("/api/catalog/items/", {"online": "true"})) == {"食品经营许可"}
    assert names(client.get("/api/catalog/items/", {"online": "false"})) == {"公共场所卫生许可"}
    assert names(client.get("/api/catalog/items/", {"theme": "canyin"})) == {"食品经营许可"}


def test_item_detail_has_materials_and_limits(client, catalogue):
    food = catalogue["food"]
    data = client.get(f"/api/catalog/items/{food.pk}/").json()
    assert data["statutory_limit"] == 10 and data["promised_limit"] == 3 and data["limit_cut_percent"] == 70
    assert data["online"] is True and data["competent_department"]["code"] == "SCJG"
    assert [m["name"] for m in data["materials"]] == ["申请书", "营业执照"]
    assert data["materials"][0]["blank_form_url"].endswith(f"/guide/material/{data['materials'][0]['id']}/form/")
    assert client.get(f"/api/catalog/items/{catalogue['hidden'].pk}/").status_code == 404


def test_materials_and_departments(client, catalogue):
    food = catalogue["food"]
    rows = client.get("/api/catalog/materials/", {"item": food.pk}).json()["results"]
    assert [r["name"] for r in rows] == ["申请书", "营业执照"]
    all_rows = client.get("/api/catalog/materials/").json()["results"]
    assert {r["item"] for r in all_rows} == {food.pk, catalogue["hygiene"].pk}  # not the unpublished item's
    departments = {d["code"]: d["item_count"] for d in client.get("/api/catalog/departments/").json()["results"]}
    assert departments["SCJG"] == 1 and departments["WSJK"] == 1


def test_bundles_with_merged_materials(client, catalogue):
    licence = make_item("公司设立登记", publish=True,
                        materials=[{"name": "登记申请书"}, {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0}])
    make_bundle([licence, catalogue["food"]], title="我要开饭店")
    make_bundle([licence], title="未发布", publish=False)
    rows = client.get("/api/catalog/bundles/").json()["results"]
    assert [r["title"] for r in rows] == ["我要开饭店"]
    assert [i["name"] for i in rows[0]["items"]] == ["公司设立登记", "食品经营许可"]
    merged = {m["name"]: m for m in rows[0]["materials"]}
    assert merged["营业执照"]["for_items"] == ["公司设立登记", "食品经营许可"]
    assert len(merged) == 3


def test_withdrawn_item_leaves_the_api(client, catalogue):
    services.withdraw_item(catalogue["food"], reason="调整")
    assert names(client.get("/api/catalog/items/")) == {"公共场所卫生许可"}


def test_the_api_is_read_only(client, catalogue):
    assert client.post("/api/catalog/items/", {"name": "x"}).status_code in (403, 405)


def test_schema_documents_the_catalogue(client, make_user):
    from portal.roles import Role

    client.force_login(make_user(Role.ADMINISTRATOR))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in ("/api/catalog/items/", "/api/catalog/items/{id}/", "/api/catalog/bundles/", "/api/catalog/materials/",
                 "/api/catalog/departments/"):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/catalog/items/"]["get"]["parameters"]}
    assert {"keyword", "department", "service_object", "online", "theme"} <= parameters
