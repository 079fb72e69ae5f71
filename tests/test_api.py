"""The JSON API through Flask's test client: CRUD, filters, keyset pages, 4xx errors, OpenAPI."""
import pytest

from runtime.auth.tokens import create_token
from runtime.webapp import create_app


@pytest.fixture
def client(shop_platform):
    """An API client authenticated by a bearer token for the shop app."""
    c = create_app(shop_platform).test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + create_token(shop_platform, "tests", "shop", "manager")
    return c


def new_member(client, **kw):
    body = {"name": "张三", **kw}
    r = client.post("/api/shop/members", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_crud_round_trip(client):
    r = client.post("/api/shop/members", json={"name": "张三", "phone": "13800138000", "birthday": "1990/5/1"})
    assert r.status_code == 201
    m = r.get_json()
    assert r.headers["Location"].endswith(f"/api/shop/members/{m['id']}")
    assert m["phone"] == "+8613800138000" and m["birthday"] == "1990-05-01" and m["tier"] == "normal"
    assert m["created_at"].endswith("Z")
    o = client.post("/api/shop/orders", json={"order_no": "A1", "member": m["id"], "amount": 12.5}).get_json()
    assert o["amount"] == "12.50"
    r = client.patch(f"/api/shop/members/{m['id']}", json={"tier": "vip"})
    assert r.status_code == 200 and r.get_json()["tier"] == "vip"
    assert client.get(f"/api/shop/members/{m['id']}").get_json()["tier"] == "vip"
    assert client.delete(f"/api/shop/orders/{o['id']}").status_code == 204
    assert client.get(f"/api/shop/orders/{o['id']}").status_code == 404


def test_validation_errors_name_each_field(client):
    r = client.post("/api/shop/members", json={"phone": "12", "points": "many"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "validation_failed"
    assert err["fields"]["name"] == "is required"
    assert set(err["fields"]) == {"name", "phone", "points"}


def test_errors_in_chinese_by_default(client):
    r = client.post("/api/shop/members", json={})
    assert r.get_json()["error"]["fields"]["name"] == "必填"


def test_bad_bodies_are_400_not_500(client):
    assert client.post("/api/shop/members", data="{not json", content_type="application/json").status_code == 400
    assert client.post("/api/shop/members", json=[1, 2]).status_code == 400
    r = client.post("/api/shop/members", json={"name": "a", "bogus": 1})
    assert r.status_code == 422 and "bogus" in r.get_json()["error"]["fields"]
    assert client.post("/api/shop/members", json={"name": {"x": 1}}).status_code == 422


def test_unique_conflict_409_and_link_conflict_on_delete(client):
    m = new_member(client, phone="13800138000")
    r = client.post("/api/shop/members", json={"name": "b", "phone": "13800138000"})
    assert r.status_code == 409 and "phone" in r.get_json()["error"]["fields"]
    client.post("/api/shop/orders", json={"order_no": "A1", "member": m["id"]})
    r = client.delete(f"/api/shop/members/{m['id']}")
    assert r.status_code == 409
    assert client.get(f"/api/shop/members/{m['id']}").status_code == 200


def test_not_found_is_json(client):
    for url in ("/api/shop/members/999", "/api/shop/nope", "/api/nope/members", "/api/shop/members/abc"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "error" in r.get_json()


def test_filters_sort_and_keyset_pages(client):
    for i in range(30):
        new_member(client, name=f"m{i:02d}", points=i, tier="vip" if i % 3 == 0 else "normal")
    r = client.get("/api/shop/members?tier=vip&sort=points&limit=4").get_json()
    assert r["total"] == 10
    assert [m["points"] for m in r["data"]] == [0, 3, 6, 9]
    r2 = client.get(r["links"]["next"]).get_json()
    assert [m["points"] for m in r2["data"]] == [12, 15, 18, 21]
    back = client.get(r2["links"]["prev"]).get_json()
    assert [m["points"] for m in back["data"]] == [0, 3, 6, 9]
    r = client.get("/api/shop/members?points__gte=25&sort=-points").get_json()
    assert [m["points"] for m in r["data"]] == [29, 28, 27, 26, 25]
    assert client.get("/api/shop/members?q=m1").get_json()["total"] == 10


def test_bad_query_parameters_are_400(client):
    for qs, field in (("points__gte=abc", "points__gte"), ("nope=1", "nope"), ("sort=nope", "sort"),
                      ("limit=x", "limit"), ("after=%%%", "after"), ("points__contains=1", "points__contains")):
        r = client.get("/api/shop/members?" + qs)
        assert r.status_code == 400, qs
        assert field in r.get_json()["error"]["fields"], qs


def test_openapi_document(client):
    doc = client.get("/api/shop/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/members" in doc["paths"] and "/orders/{id}" in doc["paths"]
    member_in = doc["components"]["schemas"]["MembersInput"]
    assert member_in["required"] == ["name"]
    assert member_in["properties"]["name"]["maxLength"] == 20
    assert member_in["properties"]["tier"]["enum"] == ["normal", "vip"]
    from jsonschema import Draft202012Validator
    Draft202012Validator.check_schema(member_in)


def test_json_keeps_field_order_and_chinese_text(client):
    r = client.post("/api/shop/members", json={"name": "张三"})
    assert "张三" in r.get_data(as_text=True)
    assert list(r.get_json())[:3] == ["id", "name", "phone"]
