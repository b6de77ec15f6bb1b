"""Provider media copied into storage, and every way a copy can fail without losing the answer."""

import pytest
from lambdachat.media import generated
from lambdachat.media.fetch import FetchPolicy
from lambdachat.media.generated import MediaKeeper
from lambdachat.media.store import MemoryStore
from lambdachat.providers.base import Media, Notice

from tests.fakes.audio import png
from tests.fakes.upstream import FakeUpstream, Reply

LOOPBACK_OK = FetchPolicy(max_bytes=1024 * 1024, timeout=5.0, allow_private=True)


def binary(data: bytes, content_type: str = "image/png", status: int = 200, **kw) -> Reply:
    return Reply(status=status, frames=(data,), stream=False, headers=(("Content-Type", content_type),), **kw)


@pytest.fixture
def upstream():
    with FakeUpstream() as up:
        yield up


@pytest.fixture
def store():
    return MemoryStore()


def keeper(store, policy=LOOPBACK_OK):
    return MediaKeeper("local", store=lambda: store, policy=policy)


def test_an_image_is_copied_and_its_url_rewritten_to_our_media_path(upstream, store):
    upstream.script(binary(png()))
    [media] = keeper(store)(Media((f"{upstream.base_url}/img/cat.png?sig=abc",), alt="A red cat"))
    [url] = media.urls
    owner = generated.owner_tag("local")
    assert url.startswith(f"/media/{owner}/") and url.endswith(".png")
    name = url.rsplit("/", 1)[1]
    assert "a_red_cat" in name
    assert store.read(generated.media_key(owner, name)) == png()
    assert media.alt == "A red cat"


def test_two_copies_of_the_same_url_get_different_unguessable_names(upstream, store):
    upstream.script(binary(png()), binary(png()))
    url = f"{upstream.base_url}/cat.png"
    first = keeper(store)(Media((url,)))[0].urls[0]
    second = keeper(store)(Media((url,)))[0].urls[0]
    assert first != second


def test_private_addresses_are_refused_by_default(upstream, store):
    policy = FetchPolicy(max_bytes=1024 * 1024, timeout=5.0)
    url = f"{upstream.base_url}/cat.png"
    media, notice = keeper(store, policy)(Media((url,)))
    assert media.urls == (url,)
    assert isinstance(notice, Notice) and "not a public address" in notice.text
    assert upstream.seen == []  # no request was made
    assert store.objects == {}


@pytest.mark.parametrize("url", ["data:image/png;base64,iVBORw0KGgo=", "/media/abc/x.png", "ftp://host/x.png"])
def test_urls_that_are_not_http_are_left_alone_without_a_message(store, url):
    assert keeper(store)(Media((url,))) == [Media((url,))]


@pytest.mark.parametrize("url", ["http://user:pw@127.0.0.1/x.png", "http://127.0.0.1\\@example.com/x.png"])
def test_urls_with_credentials_or_backslashes_are_refused(store, url):
    media, notice = keeper(store)(Media((url,)))
    assert media.urls == (url,) and "malformed URL" in notice.text


def test_an_html_page_is_not_stored_as_media(upstream, store):
    upstream.script(binary(b"<html>login</html>", "text/html"))
    _, notice = keeper(store)(Media((f"{upstream.base_url}/cat.png",)))
    assert "not an image, audio or video" in notice.text
    assert store.objects == {}


def test_octet_stream_is_trusted_only_with_a_media_extension(upstream, store):
    upstream.script(binary(png(), "application/octet-stream"), binary(png(), "application/octet-stream"))
    [ok] = keeper(store)(Media((f"{upstream.base_url}/a/cat.webp",)))
    assert ok.urls[0].endswith(".webp")
    _, notice = keeper(store)(Media((f"{upstream.base_url}/a/cat.exe",)))
    assert isinstance(notice, Notice)


def test_a_file_over_the_cap_is_refused(upstream, store):
    upstream.script(binary(b"x" * 2048))
    small = FetchPolicy(max_bytes=1024, timeout=5.0, allow_private=True)
    _, notice = keeper(store, small)(Media((f"{upstream.base_url}/big.png",)))
    assert "larger than" in notice.text
    assert store.objects == {}


def test_a_streamed_file_over_the_cap_is_cut_off(upstream, store):
    # No Content-Length to refuse up front: the reader must stop at the cap.
    frames = tuple(b"x" * 512 for _ in range(8))
    upstream.script(Reply(frames=frames, headers=(("Content-Type", "image/png"),)))
    small = FetchPolicy(max_bytes=1024, timeout=5.0, allow_private=True)
    _, notice = keeper(store, small)(Media((f"{upstream.base_url}/big.png",)))
    assert "larger than" in notice.text


def test_a_slow_server_hits_the_timeout(upstream, store):
    upstream.script(Reply(frames=(png(),), headers=(("Content-Type", "image/png"),), delay=3.0))
    quick = FetchPolicy(max_bytes=1024 * 1024, timeout=0.5, allow_private=True)
    _, notice = keeper(store, quick)(Media((f"{upstream.base_url}/slow.png",)))
    assert "within 0.5 s" in notice.text


def test_an_error_status_keeps_the_original_url(upstream, store):
    upstream.script(binary(b"gone", "text/plain", status=410))
    url = f"{upstream.base_url}/expired.png"
    media, notice = keeper(store)(Media((url,)))
    assert media.urls == (url,) and "HTTP 410" in notice.text


def test_redirects_are_followed_and_each_hop_checked(upstream, store):
    hop = Reply(status=302, frames=(), stream=False, headers=(("Location", "/final.png"),))
    upstream.script(hop, binary(png()))
    [media] = keeper(store)(Media((f"{upstream.base_url}/start",)))
    assert media.urls[0].startswith("/media/")
    assert [s.path for s in upstream.seen] == ["/start", "/final.png"]


def test_a_redirect_loop_gives_up(upstream, store):
    loop = Reply(status=302, frames=(), stream=False, headers=(("Location", "/again"),))
    upstream.script(*[loop] * 6)
    _, notice = keeper(store)(Media((f"{upstream.base_url}/again",)))
    assert "redirects" in notice.text


def test_a_storage_failure_keeps_the_link_and_says_so(upstream):
    class Broken(MemoryStore):
        def put(self, key, data, content_type):
            raise OSError("S3 is down")

    upstream.script(binary(png()))
    url = f"{upstream.base_url}/cat.png"
    media, notice = MediaKeeper("local", store=Broken, policy=LOOPBACK_OK)(Media((url,)))
    assert media.urls == (url,) and "storing failed (OSError)" in notice.text


def test_one_failed_url_does_not_stop_the_others(upstream, store):
    upstream.script(binary(b"no", "text/plain", status=404), binary(png()))
    bad, good = f"{upstream.base_url}/bad.png", f"{upstream.base_url}/good.png"
    media, notice = keeper(store)(Media((bad, good)))
    assert media.urls[0] == bad and media.urls[1].startswith("/media/")
    assert isinstance(notice, Notice)
