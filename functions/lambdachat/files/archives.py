"""Zip-based files (zip, docx, xlsx, pptx, odt, epub) measured against ONE budget per upload.

An upload may nest containers: a zip holding a docx holding a 1 GB `word/document.xml`. Every
container that will be read, at every depth, adds its members and their declared unpacked sizes
to the same `Budget`, which refuses (`ArchiveTooLarge`, 413) before the big member is inflated.
Declared sizes are an upper bound for Python's zipfile (it stops at the declared size and fails
the CRC), and every byte we inflate ourselves is counted again as it comes out (`Budget.inflate`),
so a lying header cannot buy more than the limit either way.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from lambdachat.errors import PayloadTooLarge
from lambdachat.files import limits as limits_mod
from lambdachat.files.layout import extension

BinaryStream = IO[bytes]
SPOOL_BYTES = 8 * 1024 * 1024   # archive members up to this size stay in memory, bigger go to disk
CHUNK = 1024 * 1024             # bytes inflated per step
ZIP_BASED = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "epub"})
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, ValueError, EOFError)


class ExtractionError(Exception):
    """This document cannot be read; the message is shown to the user as the file's error."""


class ArchiveTooLarge(PayloadTooLarge):
    pass


@dataclass
class Budget:
    """What one upload may still unpack, shared by every container inside it."""

    limits: limits_mod.Limits
    members: int = 0
    declared: int = 0    # unpacked sizes the central directories promise
    inflated: int = 0    # bytes actually inflated so far

    def _unpacked_error(self, name: str) -> ArchiveTooLarge:
        return ArchiveTooLarge(f"{name}: unpacks to more than {self.limits.zip_max_unpacked // limits_mod.MB} MB"
                               " (archives and documents inside it counted together)")

    def take(self, name: str, zf: zipfile.ZipFile, depth: int) -> None:
        """Count a container's members and declared sizes, before any of them is inflated."""
        if depth > self.limits.zip_max_depth:
            raise ArchiveTooLarge(f"{name}: archives nested deeper than {self.limits.zip_max_depth} levels")
        infos = zf.infolist()
        self.members += len(infos)
        self.declared += sum(i.file_size for i in infos)
        if self.members > self.limits.zip_max_members:
            raise ArchiveTooLarge(f"{name}: more than {self.limits.zip_max_members} archive members")
        if self.declared > self.limits.zip_max_unpacked:
            raise self._unpacked_error(name)

    def inflate(self, name: str, size: int) -> None:
        self.inflated += size
        if self.inflated > self.limits.zip_max_unpacked:
            raise self._unpacked_error(name)


def open_zip(stream: BinaryStream, filename: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(stream)
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"{filename}: not a readable {extension(filename) or 'zip'} file") from exc


def member_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, label: str) -> Iterator[bytes]:
    """A member's bytes as they inflate, each chunk charged to the budget before it is used."""
    with zf.open(info) as member:
        while chunk := member.read(CHUNK):
            budget.inflate(label, len(chunk))
            yield chunk


def spool_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, label: str) -> BinaryStream:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
    try:
        for chunk in member_chunks(zf, info, budget, label):
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def check_loaded_xml(zf: zipfile.ZipFile, name: str, loaded_whole: Callable[[str], bool], cap: int) -> None:
    """Members a library parses into one tree (not streamed) may together be at most `cap` bytes.

    An XML tree costs ~10x its text in memory, so this, not the unpacked limit, bounds their peak.
    """
    total = sum(i.file_size for i in zf.infolist() if loaded_whole(i.filename))
    if total > cap:
        raise ArchiveTooLarge(f"{name}: more than {cap // limits_mod.MB} MB of XML that is read at once "
                              f"(LAMBDACHAT_DOCUMENT_XML_MAX_MB)")


def _xlsx_loaded_whole(member: str) -> bool:
    # openpyxl (read-only) streams worksheets; shared strings, styles and the workbook load whole.
    return member.endswith(".xml") and not member.startswith("xl/worksheets/")


LOADED_WHOLE: dict[str, Callable[[str], bool]] = {"xlsx": _xlsx_loaded_whole}


def measure(zf: zipfile.ZipFile, name: str, budget: Budget, depth: int) -> None:
    """Count this container and every container it holds that a read will open, recursively."""
    budget.take(name, zf, depth)
    loaded_whole = LOADED_WHOLE.get(extension(name))
    if loaded_whole is not None:
        check_loaded_xml(zf, name, loaded_whole, budget.limits.document_xml_max)
    if extension(name) != "zip":
        return  # an office file's embedded objects are never opened: counted above as its bytes
    for info in zf.infolist():
        if info.is_dir() or extension(info.filename) not in ZIP_BASED:
            continue
        label = f"{name}/{info.filename}"
        try:
            with spool_member(zf, info, budget, label) as inner, zipfile.ZipFile(inner) as inner_zip:
                measure(inner_zip, label, budget, depth + 1)
        except ZIP_ERRORS:
            continue  # an unreadable inner archive is that member's problem, found when it is read


def check_archive(stream: BinaryStream, filename: str, limits: limits_mod.Limits | None = None) -> None:
    """Raise ArchiveTooLarge when a zip-based file is over the archive limits; else rewind the stream.

    An unreadable archive passes: it is stored and fails as that file's error when read.
    """
    if extension(filename) not in ZIP_BASED:
        return
    try:
        with zipfile.ZipFile(stream) as zf:
            measure(zf, filename, Budget(limits or limits_mod.current()), 1)
    except ZIP_ERRORS:
        pass
    finally:
        stream.seek(0)
