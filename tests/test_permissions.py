"""Permissions in definitions: per table and role, row level (`own`, filters), hidden and read-only
fields, enforced under the record service and the query layer, so pages and API obey the same rules."""
import pytest

from engines.form.access import Access, Forbidden
from engines.form.errors import NotFound, ValidationFailed
from engines.form.query import BadQuery, ListRequest, run_list
from runtime.auth import create_user, grant
from runtime.auth.tokens import create_token
from runtime.webapp import create_app
from tests.conftest import csrf_from, sign_in, submit

SHOP = """
app: shop
roles: [admin, staff, member, auditor]
user_profile: staff
tables:
  stores:
    title_field: name
    permissions: {admin: all, staff: [read], member: [read]}
    fields:
      name: {type: text, required: true}
  staff:
    owner: account
    permissions: {admin: all}
    fields:
      name: {type: text}
      account: {type: user}
      store: {type: link, table: stores}
  members:
    title_field: name
    owner: account
    permissions:
      admin: all
      staff:
        read: record.store == user.store
        create: record.store == user.store
        update: record.store == user.store
        readonly: [points]
        hidden: [notes]
      member: {read: own, update: own, readonly: [points, store], hidden: [notes, spent]}
    fields:
      name: {type: text, required: true}
      account: {type: user}
      store: {type: link, table: stores}
      points: {type: integer, default: 0}
      notes: {type: long_text}
      spent: {type: rollup, table: orders, function: sum, field: cost}
  orders:
    owner: member
    permissions:
      admin: all
      staff: {read: record.store == user.store, create: record.store == user.store, hidden: [cost]}
      member: {read: own, hidden: [cost]}
      auditor: {read: record.amount >= 100 and record.member.points > 0}
    fields:
      member: {type: link, table: members, required: true}
      store: {type: link, table: stores}
      amount: {type: money}
      cost: {type: money}
      member_notes: {type: lookup, link: member, field: notes}
  notes:
    fields:
      text: {type: text}
"""
PASSWORD = "long enough pw"


@pytest.fixture
def shop(make_platform):
    platform = make_platform(SHOP)
    inst = platform.apps["shop"]
    r = inst.records
    s1, s2 = r.create("stores", {"name": "南山店"}), r.create("stores", {"name": "福田店"})
    ids = {}
    for name, role in (("boss", "admin"), ("sam", "staff"), ("tom", "staff"), ("mia", "member"), ("max", "member"),
                       ("aud", "auditor")):
        ids[name] = create_user(platform, name, PASSWORD)
        grant(platform, name, "shop", role)
    r.create("staff", {"name": "Sam", "account": ids["sam"], "store": s1["id"]})
    r.create("staff", {"name": "Tom", "account": ids["tom"], "store": s2["id"]})
    mia = r.create("members", {"name": "Mia", "account": ids["mia"], "store": s1["id"], "points": 5, "notes": "VIP秘密"})
    max_ = r.create("members", {"name": "Max", "account": ids["max"], "store": s2["id"], "notes": "late payer"})
    o1 = r.create("orders", {"member": mia["id"], "store": s1["id"], "amount": "120.00", "cost": "80.00"})
    o2 = r.create("orders", {"member": max_["id"], "store": s2["id"], "amount": "300.00", "cost": "200.00"})
    o3 = r.create("orders", {"member": mia["id"], "store": s1["id"], "amount": "20.00", "cost": "5.00"})
    return {"platform": platform, "inst": inst, "ids": ids, "s1": s1, "s2": s2, "mia": mia, "max": max_,
            "orders": (o1, o2, o3)}


def access(shop, username, role):
    return Access(shop["inst"].form, roles={role}, user_id=shop["ids"][username], username=username)


def listed(shop, acc, table, **args):
    inst = shop["inst"]
    t = inst.form.tables[table]
    with inst.form.engine.connect() as conn:
        return run_list(inst.form, conn, t, ListRequest.parse(inst.form, t, args), access=acc)


# -- the record service and the query layer ---------------------------------------------------------
def test_member_sees_only_their_own_orders_without_hidden_fields(shop):
    mia = access(shop, "mia", "member")
    page = listed(shop, mia, "orders")
    assert page.total == 2 and {o["id"] for o in page.records} == {shop["orders"][0]["id"], shop["orders"][2]["id"]}
    assert all("cost" not in o and "member_notes" not in o for o in page.records)
    other = shop["orders"][1]["id"]
    with pytest.raises(NotFound):
        shop["inst"].records.get("orders", other, access=mia)
    mine = shop["inst"].records.get("orders", shop["orders"][0]["id"], access=mia)
    assert mine["amount"] == shop["orders"][0]["amount"] and "cost" not in mine


def test_hidden_fields_cannot_be_filtered_sorted_or_searched(shop):
    staff = access(shop, "sam", "staff")
    with pytest.raises(BadQuery) as exc:
        listed(shop, staff, "orders", cost__gt="10")
    assert "cost__gt" in exc.value.fields
    with pytest.raises(BadQuery):
        listed(shop, staff, "orders", sort="-cost")
    assert listed(shop, staff, "members", q="秘密").total == 0            # notes are not searched for staff
    assert listed(shop, access(shop, "boss", "admin"), "members", q="秘密").total == 1


def test_rollups_and_lookups_over_hidden_fields_are_hidden(shop):
    mia = access(shop, "mia", "member")
    me = shop["inst"].records.get("members", shop["mia"]["id"], access=mia)
    assert "spent" not in me and "notes" not in me and me["points"] == 5
    boss = shop["inst"].records.get("members", shop["mia"]["id"], access=access(shop, "boss", "admin"))
    assert str(boss["spent"]) == "85.00"


def test_filter_expression_uses_the_users_profile(shop):
    sam, tom = access(shop, "sam", "staff"), access(shop, "tom", "staff")
    assert [m["name"] for m in listed(shop, sam, "members").records] == ["Mia"]
    assert [m["name"] for m in listed(shop, tom, "members").records] == ["Max"]
    records = shop["inst"].records
    with pytest.raises(NotFound):
        records.update("members", shop["max"]["id"], {"name": "x"}, access=sam)
    with pytest.raises(Forbidden):                                    # may not move it out of their store
        records.update("members", shop["mia"]["id"], {"store": shop["s2"]["id"]}, access=sam)
    assert records.get("members", shop["mia"]["id"])["store"] == shop["s1"]["id"]   # nothing written
    with pytest.raises(Forbidden):                                    # nor create one for another store
        records.create("members", {"name": "New", "store": shop["s2"]["id"]}, access=sam)
    created = records.create("members", {"name": "New", "store": shop["s1"]["id"]}, access=sam)
    assert created["store"] == shop["s1"]["id"]


def test_filter_through_a_link_and_with_comparisons(shop):
    aud = access(shop, "aud", "auditor")    # amount >= 100 and the member has points
    assert [str(o["amount"]) for o in listed(shop, aud, "orders").records] == ["120.00"]


def test_a_user_without_a_profile_record_matches_nothing(shop):
    create_user(shop["platform"], "new", PASSWORD)
    nobody = Access(shop["inst"].form, roles={"staff"}, user_id=999999, username="new")
    assert listed(shop, nobody, "members").total == 0


def test_readonly_fields_per_role(shop):
    records = shop["inst"].records
    mia = access(shop, "mia", "member")
    with pytest.raises(ValidationFailed) as exc:
        records.update("members", shop["mia"]["id"], {"points": 1000}, access=mia)
    assert set(exc.value.fields) == {"points"}
    updated = records.update("members", shop["mia"]["id"], {"name": "Mia Wang"}, access=mia)
    assert updated["name"] == "Mia Wang" and updated["points"] == 5
    with pytest.raises(ValidationFailed) as exc:                      # a hidden field is not even known
        records.update("members", shop["mia"]["id"], {"notes": "changed"}, access=mia)
    assert exc.value.fields["notes"].en == "unknown field"
    assert records.get("members", shop["mia"]["id"])["notes"] == "VIP秘密"


def test_actions_not_granted_are_refused(shop):
    records, mia = shop["inst"].records, access(shop, "mia", "member")
    with pytest.raises(Forbidden):
        records.create("orders", {"member": shop["mia"]["id"], "amount": "1"}, access=mia)
    with pytest.raises(Forbidden):
        records.delete("members", shop["mia"]["id"], access=mia)
    with pytest.raises(Forbidden):
        listed(shop, mia, "staff")
    assert records.get("members", shop["mia"]["id"])["name"] == "Mia"


def test_a_table_without_permissions_is_open_to_every_role_of_the_app(shop):
    records = shop["inst"].records
    note = records.create("notes", {"text": "hi"}, access=access(shop, "mia", "member"))
    assert records.get("notes", note["id"], access=access(shop, "aud", "auditor"))["text"] == "hi"
    nobody = Access(shop["inst"].form, roles=set(), user_id=shop["ids"]["mia"])
    with pytest.raises(Forbidden):
        records.get("notes", note["id"], access=nobody)


def test_several_roles_add_up(shop):
    both = Access(shop["inst"].form, roles={"member", "staff"}, user_id=shop["ids"]["sam"], username="sam")
    assert listed(shop, both, "members").total == 1                  # store rows; sam owns no member
    assert "points" in both.readonly("members", "update")            # read-only for both roles
    assert "notes" in both.hidden("members")


# -- through the API and the pages --------------------------------------------------------------------
@pytest.fixture
def client(shop):
    app = create_app(shop["platform"])
    app.config["TESTING"] = True
    return app.test_client()


def test_api_member_sees_own_orders_and_cost_never_leaves_the_server(shop, client):
    sign_in(client, "mia", PASSWORD)
    body = client.get("/api/shop/orders").get_json()
    assert body["total"] == 2 and all("cost" not in o for o in body["data"])
    assert "80.00" not in client.get("/api/shop/orders").get_data(as_text=True)
    other = shop["orders"][1]["id"]
    resp = client.get(f"/api/shop/orders/{other}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.get("/api/shop/orders?cost__gte=1")
    assert resp.status_code == 400 and "cost__gte" in resp.get_json()["error"]["fields"]
    resp = client.get("/api/shop/staff")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"


def test_api_token_role_applies(shop, client):
    token = create_token(shop["platform"], "pos", "shop", "staff")
    headers = {"Authorization": f"Bearer {token}"}
    # a token is no person: it has no profile, so a store filter admits nothing
    assert client.get("/api/shop/members", headers=headers).get_json()["total"] == 0
    resp = client.post("/api/shop/orders", json={"member": shop["mia"]["id"], "amount": "5"}, headers=headers)
    assert resp.status_code == 422 and "member" in resp.get_json()["error"]["fields"]   # a member it cannot see
    assert listed(shop, access(shop, "boss", "admin"), "orders").total == 3


def test_api_writes_obey_field_and_row_rules(shop, client):
    sign_in(client, "sam", PASSWORD)
    token = csrf_from(client.get("/shop/members/new").get_data(as_text=True))
    h = {"X-CSRFToken": token}
    resp = client.patch(f"/api/shop/members/{shop['mia']['id']}", json={"points": 99}, headers=h)
    assert resp.status_code == 422 and "points" in resp.get_json()["error"]["fields"]
    resp = client.patch(f"/api/shop/members/{shop['max']['id']}", json={"name": "x"}, headers=h)
    assert resp.status_code == 404
    resp = client.post("/api/shop/orders", json={"member": shop["mia"]["id"], "store": shop["s1"]["id"],
                                                 "amount": "9.50"}, headers=h)
    assert resp.status_code == 201 and "cost" not in resp.get_json()


def test_pages_follow_the_permissions(shop, client):
    sign_in(client, "mia", PASSWORD)
    home = client.get("/shop/").get_data(as_text=True)
    assert "orders" in home and "/shop/staff/" not in home         # tables they cannot read are not offered
    page = client.get("/shop/orders/").get_data(as_text=True)
    assert "120.00" in page and "300.00" not in page and "80.00" not in page
    assert "/shop/orders/new" not in page                            # no create button
    assert client.get(f"/shop/orders/{shop['orders'][1]['id']}").status_code == 404
    assert client.get("/shop/orders/new").status_code == 403
    detail = client.get(f"/shop/members/{shop['mia']['id']}").get_data(as_text=True)
    assert "VIP秘密" not in detail and "/delete" not in detail and "/edit" in detail
    form = client.get(f"/shop/members/{shop['mia']['id']}/edit").get_data(as_text=True)
    assert 'name="points"' not in form and 'name="notes"' not in form and 'name="name"' in form
    resp = submit(client, f"/shop/members/{shop['mia']['id']}/edit", {"name": "Mia W", "points": "500"})
    assert resp.status_code == 303
    me = shop["inst"].records.get("members", shop["mia"]["id"])
    assert me["name"] == "Mia W" and me["points"] == 5               # the smuggled field was ignored
    assert client.get(f"/shop/members/{shop['max']['id']}/edit").status_code == 404


def test_history_leaves_out_hidden_fields(shop, client):
    shop["inst"].records.update("members", shop["mia"]["id"], {"notes": "新的秘密", "name": "Mia Li"})
    sign_in(client, "mia", PASSWORD)
    detail = client.get(f"/shop/members/{shop['mia']['id']}").get_data(as_text=True)
    assert "Mia Li" in detail and "新的秘密" not in detail and "VIP秘密" not in detail


def test_admin_sees_everything(shop, client):
    sign_in(client, "boss", PASSWORD)
    body = client.get("/api/shop/orders").get_json()
    assert body["total"] == 3 and all("cost" in o for o in body["data"])
