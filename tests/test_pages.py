"""The generated pages through Flask's test client: list, search, filters, sort, keyset pages,
forms with errors, detail with related lists, delete, escaping, languages, uploads and 404s."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

from runtime.auth import create_user
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, sign_in, submit

SHOP = Path(__file__).parent / "pages_fixture" / "shop.yaml"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def platform(make_platform):
    return make_platform(SHOP)


@pytest.fixture
def records(platform):
    return platform.apps["shop"].records


@pytest.fixture
def client(platform):
    """A browser signed in as an administrator through the /login form."""
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    c = create_app(platform, config={"TESTING": True}).test_client()
    assert sign_in(c, "boss", ADMIN_PASSWORD).status_code == 303
    return c


def text(resp) -> str:
    return resp.get_data(as_text=True)


def member(records, name, **kw):
    return records.create("members", {"name": name, **kw})


def field_block(page: str, name: str) -> str:
    """The HTML of one field of a form, up to the next field."""
    start = page.index(f'id="field-{name}"')
    nxt = page.find('id="field-', start + 1)
    return page[start:nxt if nxt != -1 else len(page)]


def href(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def names_on(page: str) -> set[str]:
    return set(re.findall(r">(Member-\d\d)<", page))


# -- home and navigation --------------------------------------------------------------------------
def test_home_lists_the_app_and_its_tables(client):
    page = text(client.get("/"))
    assert "小店" in page and 'href="/shop/"' in page and 'href="/shop/members/"' in page
    app_page = text(client.get("/shop/"))
    assert "会员" in app_page and "订单" in app_page and "0 条记录" in app_page
    assert client.get("/static/tessera/tessera.css").status_code == 200


# -- the list page ----------------------------------------------------------------------------------
@pytest.fixture
def sixty(records):
    for i in range(1, 61):
        member(records, f"Member-{i:02d}", points=i, tier="vip" if i % 2 == 0 else "normal")


def test_list_pages_forward_and_back(client, sixty):
    first = text(client.get("/shop/members/"))
    assert "共 60 条" in first
    assert names_on(first) == {f"Member-{i:02d}" for i in range(36, 61)}     # newest first, 25 a page
    assert href(first, "prev") is None
    second = text(client.get(href(first, "next")))
    assert names_on(second) == {f"Member-{i:02d}" for i in range(11, 36)}
    third = text(client.get(href(second, "next")))
    assert names_on(third) == {f"Member-{i:02d}" for i in range(1, 11)} and href(third, "next") is None
    back = text(client.get(href(second, "prev")))
    assert names_on(back) == names_on(first)


def test_list_search_filter_and_sort(client, sixty):
    found = text(client.get("/shop/members/?q=member-07"))
    assert names_on(found) == {"Member-07"} and "共 1 条" in found
    ranged = text(client.get("/shop/members/?points__gte=10&points__lte=12&q="))   # empty inputs are ignored
    assert names_on(ranged) == {"Member-10", "Member-11", "Member-12"}
    vip = text(client.get("/shop/members/?tier=vip&points__lte=6"))
    assert names_on(vip) == {"Member-02", "Member-04", "Member-06"}
    assert '<option value="vip" selected>' in vip          # the filter form shows what is applied
    asc = text(client.get("/shop/members/?sort=points"))
    assert asc.index(">Member-01<") < asc.index(">Member-02<") and "Member-60" not in asc
    assert "sort=-points" in asc                             # clicking the header again reverses
    desc = text(client.get("/shop/members/?sort=-points"))
    assert desc.index(">Member-60<") < desc.index(">Member-59<")
    page2 = text(client.get(href(asc, "next")))
    assert names_on(page2) == {f"Member-{i:02d}" for i in range(26, 51)}   # the sort survives paging


def test_bad_filter_is_a_400_with_the_message(client, sixty):
    r = client.get("/shop/members/?points__gte=lots")
    assert r.status_code == 400 and "必须是整数" in text(r)
    r = client.get("/shop/members/?colour=red&lang=en")
    assert r.status_code == 400 and "unknown field" in text(r)


# -- forms ------------------------------------------------------------------------------------------
def test_create_redirects_to_the_detail_page(client):
    r = submit(client, "/shop/members/new", data={"name": "王小明", "phone": "13800000001", "tier": "vip",
                                                "points": "12", "active": ["0", "1"], "vip_since": "2024-03-05"})
    assert r.status_code == 303
    detail = text(client.get(r.headers["Location"]))
    for value in ("王小明", "13800000001", "贵宾", "12", "2024年3月5日", "已创建：王小明"):    # dates as zh writes them
        assert value in detail


def test_new_form_has_widgets_defaults_and_required_marks(client, records):
    page = text(client.get("/shop/members/new"))
    assert 'enctype="multipart/form-data"' in page                 # the table has an image field
    assert '<span class="req"' in field_block(page, "name") and "会员的真实姓名" in field_block(page, "name")
    assert '<option value="normal" selected>' in field_block(page, "tier")
    assert 'type="hidden" name="active" value="0"' in field_block(page, "active")
    assert 'type="date"' in field_block(page, "vip_since") and 'type="file"' in field_block(page, "avatar")
    m = member(records, "Ann")
    order_form = text(client.get(f"/shop/orders/new?member={m['id']}"))
    assert 'id="field-order_no"' not in order_form                  # computed: hidden on create
    assert f'<option value="{m["id"]}" selected>Ann</option>' in order_form


def test_missing_required_field_keeps_the_input(client):
    r = submit(client, "/shop/members/new", data={"name": "", "phone": "13900000002", "points": "7"})
    assert r.status_code == 422
    page = text(r)
    assert "必填" in field_block(page, "name") and 'class="field-error"' in field_block(page, "name")
    assert 'value="13900000002"' in field_block(page, "phone") and 'value="7"' in field_block(page, "points")
    assert "field-error" not in field_block(page, "phone")


def test_errors_in_english(client):
    page = text(submit(client, "/shop/members/new?lang=en", data={"name": "", "points": "-1"}))
    assert "is required" in field_block(page, "name") and "must be at least 0" in field_block(page, "points")


def test_duplicate_unique_value_shows_its_error(client, records):
    member(records, "Ann", phone="555")
    r = submit(client, "/shop/members/new", data={"name": "Bob", "phone": "555"})
    assert r.status_code == 409
    assert "已被其他记录使用" in field_block(text(r), "phone")
    assert 'value="Bob"' in field_block(text(r), "name")


def test_edit_changes_values_and_unchecks_a_checkbox(client, records):
    m = member(records, "Ann", points=3, active=True)
    page = text(client.get(f"/shop/members/{m['id']}/edit"))
    assert 'value="Ann"' in page and 'value="3"' in field_block(page, "points")
    assert "checked" in field_block(page, "active")
    r = submit(client, f"/shop/members/{m['id']}/edit", data={"name": "Ann", "points": "40", "active": "0"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/shop/members/{m['id']}")
    saved = records.get("members", m["id"])
    assert saved["points"] == 40 and saved["active"] is False
    assert "已保存：Ann" in text(client.get(r.headers["Location"]))


def test_edit_shows_computed_fields_read_only(client, records):
    m = member(records, "Ann")
    o = records.create("orders", {"member": m["id"], "amount": 5})
    page = text(client.get(f"/shop/orders/{o['id']}/edit"))
    block = field_block(page, "order_no")
    assert "D0001" in block and 'name="order_no"' not in block


# -- detail and related lists -------------------------------------------------------------------------
def test_detail_shows_the_related_orders(client, records):
    ann, bob = member(records, "Ann"), member(records, "Bob")
    records.create("orders", {"member": ann["id"], "amount": 10, "note": "first of ann"})
    records.create("orders", {"member": ann["id"], "amount": 20, "note": "second of ann"})
    records.create("orders", {"member": bob["id"], "amount": 30, "note": "bob's"})
    page = text(client.get(f"/shop/members/{ann['id']}"))
    assert "first of ann" in page and "second of ann" in page and "bob&#39;s" not in page
    assert f'href="/shop/orders/?member={ann["id"]}"' in page
    filtered = text(client.get(f"/shop/orders/?member={ann['id']}"))
    assert "first of ann" in filtered and "bob&#39;s" not in filtered and "共 2 条" in filtered
    order_list = text(client.get("/shop/orders/"))
    assert f'href="/shop/members/{bob["id"]}">Bob</a>' in order_list     # links shown by title


def test_created_time_is_in_the_app_time_zone(client, records, platform):
    m = member(records, "Ann")
    at = m["created_at"].astimezone(platform.apps["shop"].form.timezone)
    local = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"       # as zh writes a date and time
    assert local in text(client.get(f"/shop/members/{m['id']}"))


# -- delete -------------------------------------------------------------------------------------------
def test_delete_asks_then_deletes(client, records):
    m = member(records, "Ann")
    confirm = client.get(f"/shop/members/{m['id']}/delete")
    assert confirm.status_code == 200 and 'method="post"' in text(confirm) and "Ann" in text(confirm)
    r = submit(client, f"/shop/members/{m['id']}/delete")
    assert r.status_code == 303 and r.headers["Location"].endswith("/shop/members/")
    assert "已删除：Ann" in text(client.get(r.headers["Location"]))
    assert client.get(f"/shop/members/{m['id']}").status_code == 404


def test_delete_of_a_linked_member_is_a_conflict(client, records):
    m = member(records, "Ann")
    records.create("orders", {"member": m["id"], "amount": 1})
    r = submit(client, f"/shop/members/{m['id']}/delete")
    assert r.status_code == 409 and "无法删除" in text(r)
    assert records.get("members", m["id"])["name"] == "Ann"


# -- safety, languages, errors ----------------------------------------------------------------------------
def test_values_are_escaped(client, records):
    evil = "<script>alert(1)</script>"
    r = submit(client, "/shop/members/new", data={"name": evil, "phone": '"><b>x'})
    assert r.status_code == 303
    for url in (r.headers["Location"], "/shop/members/", r.headers["Location"] + "/edit"):
        page = text(client.get(url))
        assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert '"><b>x' not in page
    assert evil not in text(client.get("/shop/members/?q=" + evil))


def test_english_pages_and_the_language_cookie(client):
    page = text(client.get("/shop/members/?lang=en"))
    assert "Members" in page and ">Name<" in page and "New" in page and "0 in total" in page
    assert "Members" in text(client.get("/shop/members/"))          # remembered in the cookie
    r = client.get("/_lang/zh?next=/shop/members/")
    assert r.status_code == 303 and r.headers["Location"].endswith("/shop/members/")
    assert "会员" in text(client.get("/shop/members/"))
    assert client.get("/_lang/en?next=https://evil.example/").headers["Location"].endswith("/")
    assert "evil" not in client.get("/_lang/en?next=//evil.example/").headers["Location"]


def test_unknown_things_are_404_pages(client, records):
    for url in ("/nope/", "/shop/nope/", "/shop/members/999", "/shop/members/999/edit",
                "/shop/members/999/delete", "/shop/nope/new"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "找不到页面" in text(r) and "Traceback" not in text(r)
    assert submit(client, "/shop/members/999/edit", data={"name": "x"}).status_code == 404


def test_image_upload_is_stored_and_served(client, platform):
    r = submit(client, "/shop/members/new", content_type="multipart/form-data",
                    data={"name": "Ann", "avatar": (io.BytesIO(PNG), "头像.png", "image/png")})
    assert r.status_code == 303
    record_id = int(r.headers["Location"].rsplit("/", 1)[1])
    avatar = platform.apps["shop"].records.get("members", record_id)["avatar"]
    assert avatar["name"] == "头像.png" and avatar["path"].startswith("shop/members/")
    assert avatar["path"].endswith(".png") and avatar["size"] == len(PNG)
    assert (Path(platform.media_dir) / avatar["path"]).read_bytes() == PNG
    detail = text(client.get(r.headers["Location"]))
    assert f'src="/media/{avatar["path"]}"' in detail
    served = client.get(f"/media/{avatar['path']}")
    assert served.status_code == 200 and served.data == PNG and "attachment" not in served.headers.get(
        "Content-Disposition", "")
    assert client.get("/media/shop/../../etc/passwd").status_code == 404
    # an edit that uploads nothing keeps the image
    submit(client, f"/shop/members/{record_id}/edit", data={"name": "Ann B"}, content_type="multipart/form-data")
    assert platform.apps["shop"].records.get("members", record_id)["avatar"] == avatar


def test_a_refused_upload_shows_the_error_and_is_not_kept(client, platform):
    r = submit(client, "/shop/members/new", content_type="multipart/form-data",
                    data={"name": "Ann", "avatar": (io.BytesIO(b"<svg/>"), "x.svg")})
    assert r.status_code == 422 and "必须是 PNG" in field_block(text(r), "avatar")
    media = Path(platform.media_dir)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
