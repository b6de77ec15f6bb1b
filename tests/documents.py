"""Real documents of every bucket format, built by the tests themselves (no committed binaries)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable


def pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.set_font("helvetica", size=12)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 8, text)
    return bytes(document.output())


def encrypted_pdf(text: str, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([text]))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for default_sheet in list(workbook.worksheets):
        workbook.remove(default_sheet)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pptx(slides: list[str]) -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    for text in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = text
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def odt(paragraphs: list[str]) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    return zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": content.encode()})


def epub(chapters: list[str]) -> bytes:
    import tempfile

    from ebooklib import epub as ebook

    book = ebook.EpubBook()
    book.set_identifier("lambdachat-test")
    book.set_title("Test book")
    book.set_language("en")
    items = []
    for number, text in enumerate(chapters, 1):
        chapter = ebook.EpubHtml(title=f"Chapter {number}", file_name=f"chap_{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>Chapter {number}</h1><p>{text}</p></body></html>"
        book.add_item(chapter)
        items.append(chapter)
    book.toc = items
    book.add_item(ebook.EpubNcx())
    book.add_item(ebook.EpubNav())
    book.spine = ["nav", *items]
    with tempfile.NamedTemporaryFile(suffix=".epub") as handle:
        ebook.write_epub(handle.name, book)
        handle.seek(0)
        return handle.read()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(unpacked_mb: int) -> bytes:
    """Compresses about 1000:1: a few hundred KB that unpack to `unpacked_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("zeros.txt", "w", force_zip64=True) as member:
        chunk = bytes(1024 * 1024)
        for _ in range(unpacked_mb):
            member.write(chunk)
    return out.getvalue()


# ---- swollen documents: a real package whose one big XML member is `mb` MB of ordinary markup ----

LINE = "lambdachat reads documents in bounded memory, bombs or not. "
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_SLIDE_HEAD = (f'<p:sld {_A} {_P} {_R}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/>'
               '<p:nvPr/></p:nvGrpSpPr><p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id="2" name="t"/><p:cNvSpPr/>'
               "<p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>")
_SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')

# format: (a real small document, its member to swell, head, repeated unit, tail)
_SWELL: dict[str, tuple[Callable[[], bytes], str, str, str, str]] = {
    "docx": (lambda: docx(["x"]), "word/document.xml", f"<w:document {_W}><w:body>",
             f"<w:p><w:r><w:t>{LINE}</w:t></w:r></w:p>", "</w:body></w:document>"),
    "pptx": (lambda: pptx(["x"]), "ppt/slides/slide1.xml", _SLIDE_HEAD, f"<a:p><a:r><a:t>{LINE}</a:t></a:r></a:p>",
             "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"),
    "odt": (lambda: odt(["x"]), "content.xml", f"<office:document-content {_ODF}><office:body><office:text>",
            f"<text:p>{LINE}</text:p>", "</office:text></office:body></office:document-content>"),
    "epub": (lambda: epub(["x"]), "EPUB/chap_1.xhtml", '<html xmlns="http://www.w3.org/1999/xhtml"><body>',
             f"<p>{LINE}</p>", "</body></html>"),
    # one-letter shared strings: the most strings per byte a spreadsheet can make openpyxl hold
    "xlsx": (lambda: xlsx({"S": [["a"]]}), "xl/sharedStrings.xml", f"<sst {_SST}>", "<si><t>s</t></si>", "</sst>"),
}


def swollen(fmt: str, mb: int) -> bytes:
    """A valid `fmt` file whose main XML is about `mb` MB (a few hundred KB compressed)."""
    make, name, head, unit, tail = _SWELL[fmt]
    with zipfile.ZipFile(io.BytesIO(make())) as real:
        small = {n: real.read(n) for n in real.namelist() if n != name}
    if fmt == "xlsx":  # openpyxl writes inline strings; declare the shared strings part
        small["[Content_Types].xml"] = small["[Content_Types].xml"].replace(b"</Types>", _STRINGS_TYPE.encode())
    block = (unit * (1024 * 1024 // len(unit))).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member, data in small.items():
            archive.writestr(member, data)
        with archive.open(name, "w", force_zip64=True) as big:
            big.write(head.encode())
            for _ in range(mb):
                big.write(block)
            big.write(tail.encode())
    return out.getvalue()
