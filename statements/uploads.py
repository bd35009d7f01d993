"""From an uploaded file to transcript text: plain text, Markdown, a saved web page, Word, PDF.

Every reader keeps paragraphs apart with blank lines, which is what the parser expects, and
refuses what it cannot read with an `IngestError` that says why in plain words.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from django.conf import settings

from statements.ingest import IngestError, decode

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
# Page furniture a saved web page carries around the transcript.
HTML_NOISE = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"]
HTML_BLOCKS = ["p", "div", "li", "blockquote", "tr", "br", "pre", *(f"h{n}" for n in range(1, 7))]


def read_upload(name: str, data: bytes) -> str:
    """The transcript text in an uploaded file."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise IngestError(f"{name} is not a format the archive reads ({known}).")
    if len(data) > settings.TRANSCRIPT_MAX_BYTES:
        limit = settings.TRANSCRIPT_MAX_BYTES // (1024 * 1024)
        raise IngestError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB, over the {limit} MB limit for a "
            "transcript."
        )
    if not data.strip():
        raise IngestError(f"{name} is empty.")
    if suffix == ".docx":
        return _docx(name, data)
    if suffix == ".pdf":
        return _pdf(name, data)
    text = decode(data, name)
    return _html(text) if suffix in HTML_SUFFIXES else text


def _html(page: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for noise in soup(HTML_NOISE):
        noise.decompose()
    body = soup.find("article") or soup.find("main") or soup.body or soup
    for block in body.find_all(HTML_BLOCKS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    text = body.get_text()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _docx(name: str, data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise IngestError(f"{name} is not a readable Word document ({error}).") from None
    paragraphs = [paragraph.text.strip() for paragraph in document.paragraphs]
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def _pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        # Layout mode keeps the blank lines between paragraphs that the parser relies on.
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as error:
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
