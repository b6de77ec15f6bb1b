"""What a browser gets for a stored media file: bytes or a redirect, and always safe headers."""

import pytest
from lambdachat.errors import NotFound
from lambdachat.media.delivery import deliver
from lambdachat.media.store import MemoryStore
from lambdachat.storage.s3 import RangeNotSatisfiable

from tests.fakes.audio import png


@pytest.fixture
def store():
    memory = MemoryStore()
    memory.put("k/cat.png", png(), "image/png")
    memory.put("k/page.html", b"<script>alert(1)</script>", "text/html")
    memory.put("k/logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")
    memory.put("k/song.mp3", b"ID3" + b"\x00" * 5000, "audio/mpeg")
    return memory


def body(delivery):
    return b"".join(delivery.body.chunks)


def test_an_image_is_streamed_inline_with_its_type_and_nosniff(store):
    got = deliver(store, "k/cat.png", "cat.png")
    assert got.status == 200
    assert body(got) == png()
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"].startswith("inline;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Length"] == str(len(png()))


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "song.mp3"])
def test_everything_but_raster_images_is_an_attachment(store, name):
    got = deliver(store, f"k/{name}", name)
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]


def test_html_and_svg_never_get_a_renderable_type_from_the_stored_metadata(store):
    # The type comes from the extension table, which knows neither: octet-stream, not text/html.
    assert deliver(store, "k/page.html", "page.html").headers["Content-Type"] == "application/octet-stream"
    assert deliver(store, "k/logo.svg", "logo.svg").headers["Content-Type"] != "image/svg+xml"


def test_a_range_is_answered_206_with_content_range(store):
    got = deliver(store, "k/song.mp3", "song.mp3", byte_range="bytes=0-2")
    assert got.status == 206
    assert body(got) == b"ID3"
    assert got.headers["Content-Range"] == "bytes 0-2/5003"


def test_an_impossible_range_is_416(store):
    with pytest.raises(RangeNotSatisfiable):
        deliver(store, "k/song.mp3", "song.mp3", byte_range="bytes=9000-")


def test_a_matching_etag_is_304_without_a_body(store):
    etag = deliver(store, "k/cat.png", "cat.png").headers["ETag"]
    got = deliver(store, "k/cat.png", "cat.png", if_none_match=etag)
    assert got.status == 304
    assert got.body is None


def test_a_missing_file_is_404(store):
    with pytest.raises(NotFound):
        deliver(store, "k/none.png", "none.png")


def test_auto_redirects_files_over_the_stream_limit_to_a_short_lived_url(store, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_STREAM_MAX_MB", "0")
    monkeypatch.setenv("LAMBDACHAT_MEDIA_URL_SECONDS", "60")
    got = deliver(store, "k/song.mp3", "song.mp3")
    assert got.status == 302
    assert got.headers["Location"] == "memory://k/song.mp3?expires=60"
    assert got.headers["Cache-Control"] == "private, no-store"


def test_presign_mode_still_answers_404_itself_for_a_missing_file(store, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_SERVE", "presign")
    store.put("k/empty.png", b"", "image/png")
    assert deliver(store, "k/cat.png", "cat.png").status == 302
    assert deliver(store, "k/empty.png", "empty.png").status == 302
    with pytest.raises(NotFound):
        deliver(store, "k/none.png", "none.png")


def test_stream_mode_never_redirects(store, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_SERVE", "stream")
    monkeypatch.setenv("LAMBDACHAT_MEDIA_STREAM_MAX_MB", "0")
    assert deliver(store, "k/song.mp3", "song.mp3").status == 200


def test_a_non_ascii_name_is_kept_for_the_download(store):
    store.put("k/café.png", png(), "image/png")
    header = deliver(store, "k/café.png", "café.png").headers["Content-Disposition"]
    assert "filename*=UTF-8''caf%C3%A9.png" in header
    assert header.encode("latin-1")  # a header value must stay latin-1 encodable
