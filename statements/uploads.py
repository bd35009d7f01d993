"""From an uploaded file to transcript text: plain text, Markdown, a saved web page, Word, PDF.

Every reader keeps paragraphs apart with blank lines, which is what the parser expects, and
refuses what it cannot read with an `IngestError` that says why in plain words. The files are
hostile until read: a file's bytes past the size limit are never kept (`SizeLimit`), a Word
document's zip is measured before it is opened, a web page is parsed in linear time with its
depth bounded, and whatever a reader's library raises on a malformed file is a refusal.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from statements.ingest import IngestError, decode

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
# Page furniture a saved web page carries around the transcript.
HTML_NOISE = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"]
HTML_BLOCKS = ["p", "div", "li", "blockquote", "tr", "br", "pre", *(f"h{n}" for n in range(1, 7))]
# A Word document is a zip: its parts may hold this many times the upload limit once unzipped
# (a transcript's text with Word's markup around it is a few times its size; a zip bomb is
# thousands), in this many parts at most (a real one has a few dozen).
DOCX_MAX_UNZIPPED_RATIO = 10
DOCX_MAX_PARTS = 1_000
# Pages of a PDF read at most: a transcript runs to a few dozen.
PDF_MAX_PAGES = 500


class TooLarge(UploadedFile):
    """What arrives of a file over TRANSCRIPT_MAX_BYTES: its name and size, none of its bytes."""

    def __init__(self, name: str, size: int, content_type: str):
        super().__init__(io.BytesIO(), name, content_type, size)


class SizeLimit(FileUploadHandler):
    """The first of the upload handlers (settings.FILE_UPLOAD_HANDLERS): it counts each file's
    bytes as they stream in, passes on those within TRANSCRIPT_MAX_BYTES to the handlers that
    keep them, and drops the rest as it is read, so an upload of any size costs no more memory
    than one at the limit. Such a file arrives as a `TooLarge`, for the form to refuse."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.TRANSCRIPT_MAX_BYTES:
            return None  # the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size > settings.TRANSCRIPT_MAX_BYTES:
            return TooLarge(self.file_name, file_size, self.content_type or "")
        return None  # the next handler's file


def read_upload(name: str, data: bytes) -> str:
    """The transcript text in an uploaded file."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise IngestError(f"{name} is not a format the archive reads ({known}).")
    if len(data) > settings.TRANSCRIPT_MAX_BYTES:
        raise IngestError(too_large(name, len(data)))
    if not data.strip():
        raise IngestError(f"{name} is empty.")
    if suffix == ".docx":
        text = _docx(name, data)
    elif suffix == ".pdf":
        text = _pdf(name, data)
    else:
        text = decode(data, name)
        if suffix in HTML_SUFFIXES:
            text = _html(name, text)
    if not text.strip():
        raise IngestError(f"{name} holds no text.")
    if "\x00" in text:  # PostgreSQL stores no NUL in text, and no transcript has one
        raise IngestError(f"{name} holds binary data (NUL characters), not a text transcript.")
    return text


def too_large(name: str, size: int) -> str:
    limit = settings.TRANSCRIPT_MAX_BYTES / (1024 * 1024)
    return f"{name} is {size / 1024 / 1024:.1f} MB, over the {limit:g} MB limit for a transcript."


def _html(name: str, page: str) -> str:
    """A saved web page's text, its furniture dropped. lxml's parser reads it in linear time,
    whatever its nesting (Beautiful Soup's took quadratic time: 160 KB of nested tags took
    minutes), and stops at a depth of 256, which no real page reaches: such a page is refused
    rather than read in part."""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = lxml.html.document_fromstring(page.encode("utf-8"), parser=parser)
    except (etree.LxmlError, ValueError):
        raise IngestError(f"{name} is not a readable web page.") from None
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        raise IngestError(
            f"{name} nests its tags too deeply to be a transcript's page: save its text instead."
        )
    for noise in list(root.iter(*HTML_NOISE)):
        noise.drop_tree()  # its tail, the text after it, stays
    body = root.find(".//article")
    body = body if body is not None else root.find(".//main")
    body = body if body is not None else root.find("body")
    body = body if body is not None else root
    for block in body.iter(*HTML_BLOCKS):
        block.text = "\n\n" + (block.text or "")
        block.tail = "\n\n" + (block.tail or "")
    text = body.text_content()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _docx(name: str, data: bytes) -> str:
    import docx

    _check_zip(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [paragraph.text.strip() for paragraph in document.paragraphs]
    except Exception as error:  # a hostile file can make python-docx or lxml raise anything
        log.info("Refused %s as a Word document", name, exc_info=True)
        raise IngestError(f"{name} is not a readable Word document ({error}).") from None
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def _check_zip(name: str, data: bytes) -> None:
    """Refuse a Word document whose zip would unzip to more than its reader should hold: by the
    sizes its directory declares, then by the bytes its parts really unzip to (a directory can
    lie), read a block at a time and counted, never kept."""
    limit = DOCX_MAX_UNZIPPED_RATIO * settings.TRANSCRIPT_MAX_BYTES
    bomb = IngestError(
        f"{name} unzips to more than {limit // (1024 * 1024)} MB: it is not a transcript."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > DOCX_MAX_PARTS:
                raise IngestError(
                    f"{name} holds {len(parts):,} parts, more than a Word document's "
                    f"{DOCX_MAX_PARTS:,}: it is not a transcript."
                )
            if sum(part.file_size for part in parts) > limit:
                raise bomb
            unzipped = 0
            for part in parts:
                with archive.open(part) as stream:
                    while block := stream.read(1024 * 1024):
                        unzipped += len(block)
                        if unzipped > limit:
                            raise bomb
    except IngestError:
        raise
    except Exception as error:  # BadZipFile, a bad compression method, a corrupt stream...
        raise IngestError(f"{name} is not a readable Word document ({error}).") from None


def _pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader

    if not data.lstrip()[:5] == b"%PDF-":
        raise IngestError(f"{name} is not a PDF (it does not start as one).")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError(f"{name} is encrypted: send a copy without a password.")
        if len(reader.pages) > PDF_MAX_PAGES:
            raise IngestError(
                f"{name} has {len(reader.pages):,} pages, more than the {PDF_MAX_PAGES} a "
                "transcript may have."
            )
        # Layout mode keeps the blank lines between paragraphs that the parser relies on.
        pages, length = [], 0
        for page in reader.pages:
            pages.append(page.extract_text(extraction_mode="layout") or "")
            length += len(pages[-1])
            if length > settings.TRANSCRIPT_MAX_BYTES:
                raise IngestError(f"{name} holds more text than a transcript may have.")
    except IngestError:
        raise
    except Exception as error:  # pypdf on a hostile file can raise nearly anything
        log.info("Refused %s as a PDF", name, exc_info=True)
        raise IngestError(f"{name} is not a readable PDF ({error}).") from None
    text = "\n\n".join(
        "\n".join(line.rstrip() for line in page.strip("\n").splitlines())
        for page in pages
        if page.strip()
    )
    if not text:
        raise IngestError(
            f"{name} has no text layer (it is probably a scan): run it through OCR first."
        )
    return text + "\n"
