import pytest

from engines.form.fields.file import FileField


@pytest.mark.parametrize("path, content_type", [("img/a.PNG", "image/png"), ("a.jpg", "image/jpeg"),
                                                ("a.jpeg", "image/jpeg"), ("a.gif", "image/gif"),
                                                ("a.webp", "image/webp")])
def test_image_accepts_raster_formats(types, make_field, path, content_type):
    value = types["image"].coerce(make_field("image"), path)
    assert value["path"] == path and value["content_type"] == content_type


@pytest.mark.parametrize("raw", ["a.svg", "a.SVG", "a.pdf", "photo", {"path": "x.svg", "content_type": "image/png"}])
def test_image_refuses_other_files(types, make_field, refusal, raw):
    assert refusal(types["image"], make_field("image"), raw) == "must be a PNG, JPEG, GIF or WebP image"


def test_image_content_type_comes_from_the_extension(types, make_field):
    value = types["image"].coerce(make_field("image"), {"path": "a.png", "content_type": "image/svg+xml"})
    assert value["content_type"] == "image/png"


def test_image_is_a_file_with_safe_paths(types, make_field, refusal):
    ft = types["image"]
    assert isinstance(ft, FileField) and ft.widget == "image"
    assert refusal(ft, make_field("image"), "../a.png") == "must be a relative file path without '..'"
    assert "svg" not in ft.input_attrs(make_field("image"))["accept"]
    assert ft.input_attrs(make_field("image"))["accept"] == "image/gif,image/jpeg,image/png,image/webp"
