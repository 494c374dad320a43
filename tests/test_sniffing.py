"""Uploads are checked by what they are, not by their name, and never read whole before their size is known."""
import pytest

from applications.testing import JPEG_BYTES, PDF_BYTES, PNG_BYTES
from approvals.cases import evidence
from portal import sniffing
from portal.errors import DomainError

MB = 1024 * 1024


class EndlessUpload:
    """An upload that never ends and does not say its size (a hostile client streaming a huge body)."""

    name = "现场.mp4"
    size = None

    def __init__(self):
        self.chunks_read = 0

    def chunks(self):
        head = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (64 * 1024 - 12)
        yield head
        self.chunks_read += 1
        while True:
            self.chunks_read += 1
            yield b"\x00" * MB


def test_evidence_size_is_checked_while_streaming(settings):
    settings.INSPECTION_VIDEO_MAX_BYTES = 5 * MB
    upload = EndlessUpload()
    with pytest.raises(DomainError, match="超过 5 MB"):
        evidence.check(upload)
    assert upload.chunks_read <= 7  # stopped right after the cap, not at the end of the stream


@pytest.mark.parametrize("content, kind", [(PDF_BYTES, sniffing.PDF), (PNG_BYTES, sniffing.PNG),
                                           (JPEG_BYTES, sniffing.JPEG)])
def test_real_files_pass_with_their_sniffed_type_and_digest(content, kind):
    checked = sniffing.read_upload(sniffing.bytes_upload(content, "x.html"), limit_for=lambda k: 20 * MB)
    assert checked.kind == kind and checked.size == len(content) and len(checked.sha256) == 64
    assert checked.content.read() == content
    checked.close()


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n" + b"\x00" * 500,  # the header of a PDF and nothing a reader can open
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 60,  # a PNG signature with no image
    b"\xff\xd8\xff\xe0" + b"garbage" * 20,  # a JPEG marker with no image
])
def test_a_file_that_only_starts_like_a_document_is_refused(content):
    with pytest.raises(DomainError, match="已损坏或不是真正的"):
        sniffing.read_upload(sniffing.bytes_upload(content, "扫描件.pdf"), limit_for=lambda k: 20 * MB)


def test_a_script_renamed_to_pdf_is_refused_by_content():
    with pytest.raises(DomainError, match="不是可接受的格式"):
        sniffing.read_upload(sniffing.bytes_upload(b"<script>alert(1)</script>", "申请书.pdf"),
                             limit_for=lambda k: 20 * MB)
