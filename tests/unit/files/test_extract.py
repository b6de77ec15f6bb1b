"""Text extraction from generated documents of every format, and refusal of hostile archives."""

import io
import zipfile

import pytest
from lambdachat.config import Settings
from lambdachat.files import limits
from lambdachat.files.archives import ArchiveTooLarge, ExtractionError, check_archive
from lambdachat.files.extract import extract

from tests import documents


def text_of(data: bytes, name: str) -> str:
    return "\n".join(part.text for part in extract(io.BytesIO(data), name))


@pytest.mark.parametrize(("name", "make", "expected"), [
    ("a.pdf", lambda: documents.pdf(["The owl sleeps at noon", "Second page here"]), "Second page here"),
    ("b.docx", lambda: documents.docx(["Plan"], [["Region", "Sales"], ["North", "42"]]), "North | 42"),
    ("c.xlsx", lambda: documents.xlsx({"Prices": [["apple", 3], ["pear", 5]]}), "pear\t5"),
    ("d.pptx", lambda: documents.pptx(["Launch on Tuesday"]), "Launch on Tuesday"),
    ("e.odt", lambda: documents.odt(["Minutes of the meeting"]), "Minutes of the meeting"),
    ("f.epub", lambda: documents.epub(["Call me Ishmael"]), "Call me Ishmael"),
    ("g.html", lambda: b"<html><head><style>p{}</style><script>alert(1)</script></head>"
                       b"<body><p>Visible words</p></body></html>", "Visible words"),
    ("h.md", "# Títle\nbody".encode, "# Títle\nbody"),
    ("i.csv", lambda: b"a,b\n1,2\n", "a,b\n1,2"),
])
def test_each_format_yields_its_text(name, make, expected):
    assert expected in text_of(make(), name)


def test_html_drops_scripts_and_styles():
    text = text_of(b"<script>var secret=1</script><style>.x{}</style><p>ok</p>", "p.html")
    assert text == "ok"


def test_utf16_text_files_are_decoded():
    assert text_of("hello wörld".encode("utf-16"), "notes.txt") == "hello wörld"


def test_zip_members_are_separate_parts_and_media_members_are_ignored():
    data = documents.zip_of({"docs/a.txt": b"alpha", "b.md": b"beta", "photo.png": b"\x89PNG",
                             "inner.zip": documents.zip_of({"c.txt": b"gamma"})})
    parts = extract(io.BytesIO(data), "pack.zip")
    assert [(p.name, p.text) for p in parts] == [
        ("pack.zip/b.md", "beta"), ("pack.zip/docs/a.txt", "alpha"), ("pack.zip/inner.zip/c.txt", "gamma")]


def test_a_corrupt_member_does_not_hide_the_others():
    data = documents.zip_of({"bad.pdf": b"%PDF-1.4 not really", "good.txt": b"still here"})
    parts = {p.name: p.text for p in extract(io.BytesIO(data), "mixed.zip")}
    assert parts["mixed.zip/good.txt"] == "still here"
    assert "could not read" in parts["mixed.zip/bad.pdf"]


@pytest.mark.parametrize(("name", "data"), [
    ("broken.pdf", b"%PDF-1.4\nthis is not a pdf body"),
    ("broken.docx", b"PK\x03\x04 not a zip"),
    ("broken.xlsx", documents.zip_of({"hello.txt": b"a zip, but not a workbook"})),
    ("broken.epub", b"nothing"),
    ("broken.zip", b"PK\x05\x06 truncated"),
])
def test_corrupt_documents_raise_an_extraction_error_naming_the_file(name, data):
    with pytest.raises(ExtractionError, match=name):
        extract(io.BytesIO(data), name)


def test_password_protected_pdf_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(io.BytesIO(documents.encrypted_pdf("hidden")), "locked.pdf")


def test_pdf_with_empty_user_password_is_read():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(documents.pdf(["open to all"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert text_of(out.getvalue(), "restricted.pdf") == "open to all"


def test_zip_bomb_is_refused_before_unpacking(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", "50")
    bomb = documents.zip_bomb(60)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ArchiveTooLarge, match="50 MB"):
        check_archive(io.BytesIO(bomb), "bomb.zip")


def test_too_many_members_is_refused(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_MEMBERS", "10")
    many = documents.zip_of({f"f{i}.txt": b"x" for i in range(11)})
    with pytest.raises(ArchiveTooLarge, match="10 archive members"):
        check_archive(io.BytesIO(many), "many.zip")


def test_nested_archives_count_towards_the_limits(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_MEMBERS", "10")
    inner = documents.zip_of({f"f{i}.txt": b"x" for i in range(8)})
    outer = documents.zip_of({"a.zip": inner, "b.zip": inner})
    with pytest.raises(ArchiveTooLarge):
        check_archive(io.BytesIO(outer), "outer.zip")


def test_nesting_deeper_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_DEPTH", "2")
    deepest = documents.zip_of({"x.txt": b"x"})
    nested = documents.zip_of({"deep.zip": documents.zip_of({"deeper.zip": deepest})})
    with pytest.raises(ArchiveTooLarge, match="nested"):
        check_archive(io.BytesIO(nested), "russian.zip")


def test_office_files_are_archives_too(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", "1")
    swollen = documents.zip_of({"word/document.xml": b" " * (2 * 1024 * 1024)})
    with pytest.raises(ArchiveTooLarge):
        check_archive(io.BytesIO(swollen), "swollen.docx")


def test_lying_sizes_in_a_stored_archive_become_an_error_not_a_crash(monkeypatch):
    # A bomb that got stored (e.g. before a limit was lowered) fails as that file's error.
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", "5")
    with pytest.raises(ExtractionError, match="5 MB"):
        extract(io.BytesIO(documents.zip_bomb(6)), "old.zip")


def test_encrypted_zip_member_is_reported_in_place():
    data = io.BytesIO(documents.zip_of({"a.txt": b"fine", "b.txt": b"locked"}))
    raw = bytearray(data.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("b.txt")
    # set the "encrypted" flag bit in both the local and the central header of b.txt
    local = info.header_offset + 6
    raw[local] |= 0x1
    central = bytes(raw).rfind(b"PK\x01\x02")
    raw[central + 8] |= 0x1
    parts = {p.name: p.text for p in extract(io.BytesIO(bytes(raw)), "p.zip")}
    assert parts["p.zip/a.txt"] == "fine"
    assert "could not" in parts["p.zip/b.txt"]


def test_text_beyond_the_limit_is_cut_with_a_visible_marker():
    small = limits.current(Settings(text_max_mb=1))
    text = "".join(p.text for p in extract(io.BytesIO(b"x" * (3 * 1024 * 1024)), "big.txt", small))
    assert len(text) < 1024 * 1024 + 100
    assert text.endswith("longer than 1 MB]")
