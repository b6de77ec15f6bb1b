"""Text out of XML and HTML without building a tree: lxml parser targets fed chunk by chunk.

python-docx, `ElementTree.fromstring` and BeautifulSoup hold a whole document as a tree, about
ten times its size in memory (100 MB of docx XML peaked at 1.3 GB). A parser target receives
start/end/data events instead and keeps only the text it has not yet handed on, so memory is one
inflated chunk plus the pending paragraph, however large the document.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

PENDING_MAX = 4 * 1024 * 1024   # characters a target holds back (one table row) before handing them on
SKIPPED_HTML = frozenset({"script", "style", "noscript", "template"})


class TextTarget:
    """Base of the targets: `out` collects finished text, drained after every fed chunk."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def start(self, tag: str, attrib: Any) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def comment(self, text: str) -> None:
        pass  # comments are not text

    def close(self) -> None:
        pass


def xml_parser(target: TextTarget) -> etree.XMLParser:
    # no entity expansion, no DTD, no network: the document's XML is not trusted
    return etree.XMLParser(target=target, resolve_entities=False, load_dtd=False, no_network=True)


def feed(chunks: Iterable[bytes | str], parser: Any, target: TextTarget) -> Iterator[str]:
    """Feed chunks into the parser, yielding the text each one completes."""
    for chunk in chunks:
        parser.feed(chunk)
        if target.out:
            yield "".join(target.out)
            target.out.clear()
    parser.close()
    if target.out:
        yield "".join(target.out)
        target.out.clear()


def xml_text(chunks: Iterable[bytes], target: TextTarget) -> Iterator[str]:
    return feed(chunks, xml_parser(target), target)


class Collect(TextTarget):
    """The attributes of every `tag` element (at most `limit`): manifests, relationships, slide lists."""

    def __init__(self, tags: set[str], limit: int) -> None:
        super().__init__()
        self.tags, self.limit = tags, limit
        self.found: list[tuple[str, dict[str, str]]] = []

    def start(self, tag: str, attrib: Any) -> None:
        if tag in self.tags and len(self.found) < self.limit:
            self.found.append((tag, dict(attrib)))


def collect(chunks: Iterable[bytes], tags: set[str], limit: int) -> list[tuple[str, dict[str, str]]]:
    target = Collect(tags, limit)
    for _ in xml_text(chunks, target):
        pass
    return target.found


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxText(TextTarget):
    """word/document.xml: one line per paragraph; a table row as its cells joined by " | "."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = self.texts = self.tables = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.pending = 0

    def _emit(self, text: str) -> None:
        if self.cell is None:
            self.out.append(text)
            return
        self.cell.append(text)
        self.pending += len(text)
        if self.pending > PENDING_MAX:  # a giant row is handed on in pieces rather than held
            self.out.append(" | ".join([*(self.row or []), "".join(self.cell)]))
            self.row, self.cell, self.pending = [], [], 0

    def start(self, tag: str, attrib: Any) -> None:
        if tag == W + "r":
            self.runs += 1
        elif tag == W + "t":
            self.texts += 1
        elif tag == W + "tab" and self.runs:  # a w:tab outside a run is a tab stop, not text
            self._emit("\t")
        elif tag in (W + "br", W + "cr") and self.runs:
            self._emit("\n")
        elif tag == W + "tbl":
            self.tables += 1
        elif tag == W + "tr" and self.tables == 1:
            self.row, self.pending = [], 0
        elif tag == W + "tc" and self.tables == 1:
            self.cell = []

    def end(self, tag: str) -> None:
        if tag == W + "r":
            self.runs -= 1
        elif tag == W + "t":
            self.texts -= 1
        elif tag == W + "p":
            self._emit("\n")
        elif tag == W + "tbl":
            self.tables -= 1
        elif tag == W + "tc" and self.tables == 1 and self.cell is not None:
            if self.row is not None:
                self.row.append("".join(self.cell).strip("\n"))
            self.cell = None
        elif tag == W + "tr" and self.tables == 1 and self.row is not None:
            self.out.append(" | ".join(self.row) + "\n")
            self.row = None

    def data(self, text: str) -> None:
        if self.texts:
            self._emit(text)


TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class OdtText(TextTarget):
    """content.xml of an OpenDocument text: one line per paragraph or heading."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def start(self, tag: str, attrib: Any) -> None:
        if tag in (TEXT_NS + "p", TEXT_NS + "h"):
            self.depth += 1
        elif self.depth and tag == TEXT_NS + "s":
            self.out.append(" " * min(int(attrib.get(TEXT_NS + "c", "1") or 1), 1000))
        elif self.depth and tag == TEXT_NS + "tab":
            self.out.append("\t")
        elif self.depth and tag == TEXT_NS + "line-break":
            self.out.append("\n")

    def end(self, tag: str) -> None:
        if tag in (TEXT_NS + "p", TEXT_NS + "h"):
            self.depth -= 1
            self.out.append("\n")

    def data(self, text: str) -> None:
        if self.depth:
            self.out.append(text)


A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


class SlideText(TextTarget):
    """One slide: the text of each shape's text body, one line per paragraph."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies = self.texts = 0

    def start(self, tag: str, attrib: Any) -> None:
        if tag == P + "txBody":
            self.bodies += 1
        elif self.bodies and tag == A + "t":
            self.texts += 1
        elif self.bodies and tag == A + "br":
            self.out.append("\n")

    def end(self, tag: str) -> None:
        if tag == P + "txBody":
            self.bodies -= 1
        elif self.bodies and tag == A + "t":
            self.texts -= 1
        elif self.bodies and tag == A + "p":
            self.out.append("\n")

    def data(self, text: str) -> None:
        if self.texts:
            self.out.append(text)


class HtmlText(TextTarget):
    """Visible text of HTML: each stripped text run on its own line (BeautifulSoup's get_text("\\n", strip))."""

    def __init__(self, skipped: frozenset[str]) -> None:
        super().__init__()
        self.skipped_tags = skipped
        self.skipped = 0
        self.run: list[str] = []

    def _flush(self) -> None:
        if self.run:
            text = "".join(self.run).strip()
            self.run.clear()
            if text:
                self.out.append(text + "\n")

    def start(self, tag: str, attrib: Any) -> None:
        self._flush()
        if tag.rsplit("}", 1)[-1].lower() in self.skipped_tags:
            self.skipped += 1

    def end(self, tag: str) -> None:
        self._flush()
        if tag.rsplit("}", 1)[-1].lower() in self.skipped_tags and self.skipped:
            self.skipped -= 1

    def data(self, text: str) -> None:
        if not self.skipped:
            self.run.append(text)
            if len(self.run) > 1024:   # one very long run: join as it goes, still one piece
                self.run[:] = ["".join(self.run)]

    def close(self) -> None:
        self._flush()


def _declared_encoding(head: bytes) -> str:
    from bs4.dammit import EncodingDetector

    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    found = EncodingDetector.find_declared_encoding(head, is_html=True)
    try:
        return codecs.lookup(found).name if found else "utf-8"
    except LookupError:
        return "utf-8"


def _decoded(chunks: Iterable[bytes]) -> Iterator[str]:
    """Bytes to text: the BOM or declared charset (meta or XML declaration), else UTF-8, errors replaced."""
    decoder: codecs.IncrementalDecoder | None = None
    for chunk in chunks:
        if decoder is None:
            decoder = codecs.getincrementaldecoder(_declared_encoding(chunk[:4096]))(errors="replace")
        if text := decoder.decode(chunk):
            yield text
    if decoder is not None and (rest := decoder.decode(b"", final=True)):
        yield rest


def html_text(chunks: Iterable[bytes], skipped: frozenset[str] = SKIPPED_HTML) -> Iterator[str]:
    target = HtmlText(skipped)
    parser = etree.HTMLParser(target=target, no_network=True, remove_comments=True)
    return feed(_decoded(chunks), parser, target)
