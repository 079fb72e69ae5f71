import json

import pytest

DOC = {"name": "合同.pdf", "path": "uploads/2024/abc.pdf", "size": 1234, "content_type": "application/pdf"}


def test_file_accepts_a_dict(types, make_field):
    assert types["file"].coerce(make_field("file"), dict(DOC)) == DOC


def test_file_accepts_a_path_or_json_text(types, make_field):
    ft, f = types["file"], make_field("file")
    assert ft.coerce(f, "uploads/a.pdf") == {"name": "a.pdf", "path": "uploads/a.pdf", "size": None,
                                             "content_type": "application/pdf"}
    assert ft.coerce(f, json.dumps(DOC)) == DOC
    assert ft.coerce(f, "files/blob")["content_type"] == "application/octet-stream"


@pytest.mark.parametrize("raw", ["/etc/passwd", "../secret.txt", "a/../../b.txt", "C:/x.txt", "a\\b.txt",
                                 "http://x/y.pdf", "a//b.txt", "./a.txt", {"name": "x.pdf"}, {"path": 5}])
def test_file_refuses_unsafe_paths(types, make_field, refusal, raw):
    assert refusal(types["file"], make_field("file"), raw) == "must be a relative file path without '..'"


def test_file_refuses_other_shapes(types, make_field, refusal):
    ft, f = types["file"], make_field("file")
    assert refusal(ft, f, 12) == "must be a file"
    assert refusal(ft, f, "{broken") == "must be a file"
    assert refusal(ft, f, {"path": "a.pdf", "size": -1}) == "has an invalid size"


def test_file_max_size(types, make_field, refusal):
    ft = types["file"]
    f = make_field("file", settings={"max_size": 2 * 1024 * 1024})
    ft.validate(f, {**DOC, "size": 2 * 1024 * 1024})
    assert refusal(ft, f, {**DOC, "size": 2 * 1024 * 1024 + 1}, step="validate") == "must be at most 2 MB"
    small = make_field("file", settings={"max_size": 1024})
    assert refusal(ft, small, {**DOC, "size": 2048}, step="validate") == "must be at most 1 KB"


def test_file_storage_and_output(types, make_field):
    ft, f = types["file"], make_field("file")
    stored = ft.to_db(f, DOC)
    assert isinstance(stored, str) and "合同.pdf" in stored
    assert ft.from_db(f, stored) == DOC
    assert ft.to_json(f, DOC) == DOC
    assert ft.display(f, DOC) == "合同.pdf"
    assert ft.widget == "file" and ft.filter_ops == ("isnull",)
