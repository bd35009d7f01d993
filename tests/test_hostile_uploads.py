"""Hostile uploads: each gets a clear refusal, quickly, with nothing written to the archive.

Six of 24 such files once gave a 500, a 1.1 MB .docx took 2.47 GB of memory, and 160 KB of
nested tags held a worker past its timeout.
"""

import gzip
import io
import os
import time
import tracemalloc
import zipfile

import docx
import pytest
from django.contrib.auth.models import Permission, User
from pypdf import PdfWriter

from statements.models import Meeting, Speaker, SpeakerAlias, Upload, Utterance
from tests.test_upload import LIMA, UPLOAD, named_file, pdf_with

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezipped(replacements: dict[str, bytes], extra: int = 0) -> bytes:
    """A real Word document with some parts replaced, and `extra` empty parts added."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(LIMA.split("\n\n"))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, replacements.get(item.filename, source.read(item)))
        for number in range(extra):
            target.writestr(f"customXml/item{number}.xml", b"")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """60 MB of one byte in word/document.xml, zipped to about 60 KB."""
    return rezipped({"word/document.xml": b" " * (60 * MB)})


def lying_zip_bomb() -> bytes:
    """The same bomb, its directory claiming the part unzips to 100 bytes."""
    data = bytearray(zip_bomb())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    part = archive.getinfo("word/document.xml")
    small = (100).to_bytes(4, "little")
    # The local header's uncompressed size, then the central directory's.
    data[part.header_offset + 22 : part.header_offset + 26] = small
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(b"word/document.xml")] != b"word/document.xml":
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = small
    return bytes(data)


BODY = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]>"
    + BODY
    + b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)


def pdf_object_file(objects: list[str]) -> bytes:
    body, offsets = "%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{obj}\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    body += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return body.encode("latin-1")


def pdf_flate_bomb() -> bytes:
    """A page whose content stream inflates from 200 KB to 200 MB."""
    import zlib

    stream = zlib.compress(b"0 0 m " * (200 * MB // 6), 9)
    head = pdf_object_file(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\nSTREAM\nendstream",
        ]
    )
    # The stream's bytes go in place of the marker; the offsets after it shift, which pypdf
    # recovers from by scanning (as it does for many damaged files).
    return head.replace(b"STREAM", stream)


def pdf_nested_arrays() -> bytes:
    return pdf_object_file(
        [
            "<< /Type /Catalog /Pages 2 0 R /Nested " + "[" * 50_000 + "]" * 50_000 + " >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def pdf_page_tree_loop() -> bytes:
    return pdf_object_file(
        ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    )


def pdf_pages(count: int, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


HOSTILE = {
    # name: (the file's bytes, made when the test runs; what the refusal says)
    "bomb.docx": (zip_bomb, "unzips to more than"),
    "lying-bomb.docx": (lying_zip_bomb, "is not a readable Word document"),
    "five-thousand-parts.docx": (lambda: rezipped({}, extra=5_000), "parts, more than"),
    "plain-zip.docx": (
        lambda: _zip({"hello.txt": b"QUESTION: hi"}),
        "is not a readable Word document",
    ),
    "broken-xml.docx": (
        lambda: rezipped({"word/document.xml": BODY + b"<w:body><w:p>"}),
        "is not a readable Word document",
    ),
    "billion-laughs.docx": (
        lambda: rezipped({"word/document.xml": LAUGHS}),
        "is not a readable Word document",
    ),
    "deep-xml.docx": (
        lambda: rezipped({"word/document.xml": BODY + b"<w:body>" + b"<w:p>" * 100_000}),
        "is not a readable Word document",
    ),
    "image.docx": (lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(4096), "not a readable Word"),
    "page.pdf": (lambda: b"<html><body>QUESTION: hi</body></html>", "is not a PDF"),
    "truncated.pdf": (lambda: b"%PDF-1.7\n", "is not a readable PDF"),
    "flate-bomb.pdf": (pdf_flate_bomb, "is not a readable PDF"),
    "nested.pdf": (pdf_nested_arrays, "is not a readable PDF"),
    "page-loop.pdf": (pdf_page_tree_loop, "is not a readable PDF"),
    "six-hundred-pages.pdf": (lambda: pdf_pages(600), "more than the 500"),
    "locked.pdf": (lambda: pdf_pages(1, password="secret"), "is encrypted"),
    "deep.html": (
        lambda: b"<html><body>" + b"<div>" * 32_000 + b"QUESTION: hi</body></html>",
        "nests its tags too deeply",
    ),
    "unclosed-paragraphs.html": (
        lambda: b"<html><body>" + b"<p>" * 53_000 + b"</body></html>",
        "holds no text",
    ),
    "random.html": (lambda: os.urandom(20_000), "binary file"),
    "utf16.txt": (lambda: LIMA.encode("utf-16"), "binary file"),
    "late-nul.txt": (lambda: (LIMA * 300).encode() + b"\x00 QUESTION: hi", "NUL characters"),
    "archive.txt": (lambda: gzip.compress(LIMA.encode() * 100), "binary file"),
    "program.md": (lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 64 + os.urandom(2048), "binary"),
    "huge.txt": (lambda: b"QUESTION: hello\n" * (400_000), "over the 5 MB limit"),
    "installer.exe": (lambda: b"MZ" + os.urandom(1024), "is not a format the archive reads"),
    "nothing.pdf": (lambda: b"", "The submitted file is empty."),
}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="long-enough-passphrase", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="statements"))
    client.force_login(user)
    return user


def archive_size() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Meeting, Utterance, Speaker, SpeakerAlias))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_upload_is_refused_clearly_and_quickly(client, editor, name):
    make, message = HOSTILE[name]
    data = make()
    before = archive_size()
    started = time.monotonic()
    response = client.post(UPLOAD, {"file": named_file(name, data)})
    pages = [response]
    if response.status_code == 302:  # read, then refused by the preview when parsed
        pages.append(client.get(response["Location"], follow=True))
    elapsed = time.monotonic() - started
    assert all(page.status_code < 500 for page in pages)
    assert message in "".join(page.content.decode() for page in pages)
    assert elapsed < 10, f"{name} took {elapsed:.1f} s"
    assert archive_size() == before
    assert not Upload.objects.exclude(status="refused").exclude(status="previewed").exists()


def test_every_kind_of_hostile_file_is_tried():
    assert len(HOSTILE) >= 24
    assert {name.rsplit(".", 1)[1] for name in HOSTILE} >= {"docx", "pdf", "html", "txt", "md"}


def test_a_web_page_of_deep_nesting_is_read_in_linear_time(client, editor):
    """Under Beautiful Soup, 160 KB of nested tags took longer than a worker may."""
    started = time.monotonic()
    for tag in (b"<p>", b"<div>", b"<ul><li>", b"<table><tr><td>"):
        page = b"<html><body>" + tag * (160_000 // len(tag)) + b"QUESTION: hi</body></html>"
        assert client.post(UPLOAD, {"file": named_file("deep.html", page)}).status_code < 500
    assert time.monotonic() - started < 5


def test_a_real_word_document_and_pdf_still_go_through(client, editor):
    for name, data in (
        ("lima.docx", docx_bytes(LIMA.split("\n\n"))),
        ("lima.pdf", pdf_with(["May 21, 2024", "", "SECRETARY BLINKEN: Good morning."])),
    ):
        response = client.post(UPLOAD, {"file": named_file(name, data)})
        assert response.status_code == 302, name


class Stream(io.RawIOBase):
    """A request body of `size` bytes made as it is read, never held whole."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.parts = [head, None, tail]
        self.filler = size
        self.left = len(head) + size + len(tail)

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.parts[0]:
            chunk, self.parts[0] = self.parts[0][: len(buffer)], self.parts[0][len(buffer) :]
        elif self.filler:
            chunk = b"Q" * min(len(buffer), self.filler)
            self.filler -= len(chunk)
        else:
            chunk, self.parts[2] = self.parts[2][: len(buffer)], self.parts[2][len(buffer) :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def post_streamed(client, size: int):
    boundary = "hostileboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="huge.txt"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = io.BufferedReader(Stream(head, size, tail), buffer_size=64 * 1024)
    environ = client._base_environ(
        REQUEST_METHOD="POST",
        PATH_INFO=UPLOAD,
        CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(len(head) + size + len(tail)),
        **{"wsgi.input": body},
    )
    return client.handler(environ)


def test_a_large_upload_costs_no_more_memory_than_one_at_the_limit(client, editor, settings):
    settings.TRANSCRIPT_MAX_BYTES = 1 * MB
    settings.REQUEST_MAX_BYTES = 200 * MB
    tracemalloc.start()
    try:
        response = post_streamed(client, 60 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert "huge.txt is 60.0 MB, over the 1 MB limit" in response.content.decode()
    assert peak < 12 * MB, f"{peak / MB:.0f} MB"
    refused = Upload.objects.get()
    assert (refused.status, refused.size, bytes(refused.original)) == ("refused", 60 * MB, b"")


def test_a_request_over_the_request_limit_is_refused_before_it_is_read(client, editor, settings):
    settings.REQUEST_MAX_BYTES = 10 * MB
    started = time.monotonic()
    response = post_streamed(client, 400 * MB)
    assert response.status_code == 413
    assert "over the 10 MB the archive accepts" in response.content.decode()
    assert time.monotonic() - started < 1
    assert not Upload.objects.exists()


def test_pasted_text_over_the_request_s_memory_limit_is_refused(client, editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * MB
    response = client.post(UPLOAD, {"pasted": "QUESTION: hi\n" * 100_000})
    assert response.status_code == 413
    assert "larger than the archive reads" in response.content.decode()
    assert not Upload.objects.exists()
