"""Bucket ids and filenames: what may become part of an S3 key."""

import pytest
from lambdachat.errors import BadRequest
from lambdachat.files import layout
from lambdachat.storage import keys


@pytest.mark.parametrize("bucket_id", ["0b7e1c9e-5f1a-4a8e-9a55-2d2c1e7f9b11", "abcdefgh", "A" * 64])
def test_uuid_like_bucket_ids_are_accepted(bucket_id):
    assert layout.check_bucket_id(bucket_id) == bucket_id


@pytest.mark.parametrize("bucket_id", ["short", "../etc/passwd", "-leading-dash", "a" * 65, "abc def gh",
                                       "abcdefgh\x00", "abcdefgh/x", ""])
def test_other_bucket_ids_are_400(bucket_id):
    with pytest.raises(BadRequest):
        layout.check_bucket_id(bucket_id)


@pytest.mark.parametrize(("raw", "clean"), [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "etc_passwd"),
    ("/etc/passwd", "etc_passwd"),
    ("C:\\Users\\me\\My Report (final).docx", "C_Users_me_My_Report_final_.docx"),
    (".hidden.txt", "hidden.txt"),
    ("Résumé 2025.md", "Résumé_2025.md"),
])
def test_filenames_are_reduced_to_one_safe_segment(raw, clean):
    assert layout.clean_filename(raw) == clean
    assert "/" not in clean and not clean.startswith(".")


def test_overlong_names_are_cut_to_100_characters_keeping_the_extension():
    name = layout.clean_filename("x" * 300 + ".pdf")
    assert len(name) == 100
    assert name.endswith(".pdf")
    assert layout.kind_of(name) == "document"


@pytest.mark.parametrize("raw", ["evil\x00.pdf", "a\nb.txt", "", "...", "/"])
def test_nul_control_characters_and_empty_names_are_400(raw):
    with pytest.raises(BadRequest):
        layout.clean_filename(raw)


@pytest.mark.parametrize("name", ["..", "../x.png", ".x.png", "a b.png", "x" * 101 + ".png", "a\x00.png"])
def test_a_filename_in_a_url_must_already_be_clean(name):
    with pytest.raises(BadRequest):
        layout.check_filename(name)


def test_keys_keep_principals_apart_and_media_under_media():
    assert layout.media_key("local", "abcdefgh", "a.png") == "buckets/local/abcdefgh/media/a.png"
    assert layout.doc_key("local", "abcdefgh", "a.pdf") == "buckets/local/abcdefgh/docs/a.pdf"
    odd = keys.principal_segment("user/../../x")
    assert odd.startswith("h-") and "/" not in odd


@pytest.mark.parametrize(("name", "kind"), [("a.pdf", "document"), ("a.PNG", "media"), ("a.mp4", "media"),
                                            ("a.exe", None), ("noext", None), ("package-lock.json", None),
                                            ("data.csv", "document")])
def test_kinds(name, kind):
    assert layout.kind_of(name) == kind
