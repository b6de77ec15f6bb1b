"""Containers inside containers count against one budget; big documents are read in bounded memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lambdachat.config import Settings
from lambdachat.files import limits
from lambdachat.files.archives import ArchiveTooLarge, check_archive
from lambdachat.files.extract import ExtractionError, extract

from tests import documents

MB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[3]


def test_a_docx_inside_a_zip_counts_its_own_unpacked_xml():
    # The report's bomb: the zip declares only the docx's few KB; the docx holds the swollen XML.
    five_mb = limits.current(Settings(zip_max_unpacked_mb=5))
    bomb = documents.zip_of({"report.docx": documents.swollen("docx", 8)})
    with pytest.raises(ArchiveTooLarge, match=r"report\.docx: unpacks to more than 5 MB"):
        check_archive(io.BytesIO(bomb), "innocent.zip", five_mb)
    with pytest.raises(ExtractionError, match="5 MB"):  # stored before: reading refuses it too
        extract(io.BytesIO(bomb), "innocent.zip", five_mb)


@pytest.mark.parametrize("fmt", ["docx", "pptx", "odt", "epub", "xlsx"])
def test_every_office_format_inside_a_zip_is_measured(fmt):
    bomb = documents.zip_of({"a.zip": documents.zip_of({f"inner.{fmt}": documents.swollen(fmt, 4)})})
    with pytest.raises(ArchiveTooLarge, match=f"inner.{fmt}"):
        check_archive(io.BytesIO(bomb), "outer.zip", limits.current(Settings(zip_max_unpacked_mb=3)))


def test_members_of_an_inner_document_count_against_the_same_budget():
    docx = documents.docx(["hello"])  # about ten members of its own
    with pytest.raises(ArchiveTooLarge, match="12 archive members"):
        check_archive(io.BytesIO(documents.zip_of({"a.docx": docx, "b.docx": docx})), "two.zip",
                      limits.current(Settings(zip_max_members=12)))


def test_a_document_inside_nested_zips_is_a_level_of_nesting():
    two_levels = limits.current(Settings(zip_max_depth=2))
    nested = documents.zip_of({"in.zip": documents.zip_of({"deep.docx": documents.docx(["x"])})})
    with pytest.raises(ArchiveTooLarge, match="nested deeper than 2"):
        check_archive(io.BytesIO(nested), "nested.zip", two_levels)
    shallow = documents.zip_of({"deep.docx": documents.docx(["x"])})
    check_archive(io.BytesIO(shallow), "shallow.zip", two_levels)  # zip > docx is two levels: allowed


def test_xml_a_reader_must_load_whole_is_capped():
    with pytest.raises(ArchiveTooLarge, match="more than 2 MB of XML"):
        check_archive(io.BytesIO(documents.swollen("xlsx", 3)), "strings.xlsx",
                      limits.current(Settings(document_xml_max_mb=2)))


def test_a_normal_xlsx_passes_the_xml_cap():
    data = documents.xlsx({"S": [[f"row {i}", i] for i in range(2000)]})
    check_archive(io.BytesIO(data), "normal.xlsx")
    assert "row 1999\t1999" in extract(io.BytesIO(data), "normal.xlsx")[0].text


_PEAK = """
import json, resource, sys
from lambdachat.files.extract import extract
import docx, pptx, lxml.etree, bs4  # noqa: F401 - the libraries' own size is not the document's
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as stream:
    text = extract(stream, sys.argv[2])[0].text
print(json.dumps({"grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024,
                  "head": text[:80]}))
"""


@pytest.mark.parametrize("fmt", ["docx", "pptx", "odt", "epub", "html"])
def test_a_big_document_is_read_in_bounded_memory(tmp_path, fmt):
    # 40 MB of markup: a tree would take ~400 MB; streamed, the process grows by the text it keeps.
    if fmt == "html":
        data = b"<html><body>" + f"<p>{documents.LINE}</p>".encode() * (40 * MB // 70) + b"</body></html>"
    else:
        data = documents.swollen(fmt, 40)
    path = tmp_path / f"big.{fmt}"
    path.write_bytes(data)
    env = {"PYTHONPATH": f"{REPO_ROOT / 'functions'}:{REPO_ROOT}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path), path.name], env=env, capture_output=True,
                          text=True, timeout=300, check=True)
    result = json.loads(done.stdout)
    assert documents.LINE.strip() in result["head"]
    assert result["grew_mb"] < 120, result
