"""Media, search, create and synthesize through the Flask app, on moto S3: each route and each bad input."""

import json

import pytest
from lambdachat.files import layout
from lambdachat.media import generated
from lambdachat.providers.base import Content, Finish, Media, RateLimitError
from lambdachat.storage.s3 import S3Store

from tests.apps import LazyClient, create_app
from tests.aws import mocked_aws
from tests.fakes.audio import hear, hear_wav, png
from tests.fakes.providers import FakeProvider, install
from tests.fakes.upstream import FakeUpstream, Reply

BUCKET = "0b5e1d7c-2f4a-4c1e-9d2b-7a6f3e8c9d10"
OWNER = generated.owner_tag("local")
GENERATED = "1700000000_red_cat_0123456789abcdef.png"


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        yield client


@pytest.fixture
def store(aws):
    s3 = S3Store()
    s3.put(layout.media_key("local", BUCKET, "photo.png"), png(), "image/png")
    s3.put(layout.media_key("local", BUCKET, "page.html"), b"<script>alert(1)</script>", "text/html")
    s3.put(layout.media_key("bob", BUCKET, "secret.png"), png(), "image/png")
    s3.put(generated.media_key(OWNER, GENERATED), png(), "image/png")
    return s3


@pytest.fixture
def client(store):
    return LazyClient(["media", "search", "create", "synthesize", "conversation"])


def error(response):
    return response.get_json()["error"]["message"]


# ---- bucket and generated media ----

def test_bucket_media_is_served_inline_with_nosniff(client):
    response = client.get(f"/files/{BUCKET}/media/photo.png")
    assert response.status_code == 200
    assert response.data == png()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bucket_html_is_an_attachment_never_rendered(client):
    response = client.get(f"/files/{BUCKET}/media/page.html")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_another_principals_bucket_media_is_not_found(client):
    assert client.get(f"/files/{BUCKET}/media/secret.png").status_code == 404


@pytest.mark.parametrize("path", [
    "/files/short/media/photo.png", f"/files/{BUCKET}/media/.photo.png", f"/files/{BUCKET}/media/a%00b.png",
    f"/files/{BUCKET}/media/{'a' * 101}.png", f"/files/{BUCKET}/media/a%20b.png", "/files/..%2F..%2Fx/media/p.png",
])
def test_bad_ids_and_filenames_are_400_json(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)  # a `/` decoded from %2F no longer matches the route
    assert response.is_json


def test_bad_ids_and_names_that_match_the_route_are_400(client):
    assert client.get(f"/files/{BUCKET}/media/.hidden.png").status_code == 400
    assert client.get(f"/files/{BUCKET}/media/x%00.png").status_code == 400
    assert client.get("/files/short/media/photo.png").status_code == 400


@pytest.mark.parametrize("prefix", ["/media", "/images"])
def test_generated_media_is_public_by_name(client, prefix):
    response = client.get(f"{prefix}/{OWNER}/{GENERATED}")
    assert response.status_code == 200 and response.data == png()
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", [f"/media/{GENERATED}", f"/media/nothex/{GENERATED}", f"/media/{OWNER}/none.png"])
def test_generated_media_paths_that_are_not_ours_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("name", [".env", f"../{OWNER}/{GENERATED}", "a%00.png", "x" * 101])
def test_a_bad_generated_filename_is_400(client, name):
    assert client.get(f"/media/{OWNER}/{name}").status_code == 400


def test_range_and_etag_through_the_route(client):
    first = client.get(f"/files/{BUCKET}/media/photo.png")
    partial = client.get(f"/files/{BUCKET}/media/photo.png", headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.data == png()[:8]
    again = client.get(f"/files/{BUCKET}/media/photo.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/files/{BUCKET}/media/photo.png", headers={"Range": "bytes=999-"}).status_code == 416


def test_presigned_mode_redirects_to_s3_with_our_headers_forced(client, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_SERVE", "presign")
    response = client.get(f"/files/{BUCKET}/media/page.html")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "response-content-disposition=attachment" in location
    assert "response-content-type=application%2Foctet-stream" in location
    assert client.get(f"/files/{BUCKET}/media/none.png").status_code == 404


# ---- search ----

def test_search_redirects_to_the_best_match(client):
    response = client.get("/search/image+cat")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/media/{OWNER}/{GENERATED}"
    assert client.get(response.headers["Location"]).data == png()


# "²" passes str.isdigit(), "٣" int() too, and int() refuses past 4,300 digits: ASCII digits only, bounded.
@pytest.mark.parametrize("query", ["skip=x", "skip=-1", "min=abc", "min=9", "skip=%C2%B2", "min=%C2%B9",
                                   "skip=%D9%A3", "skip=" + "9" * 5000])
def test_search_with_malformed_params_is_400(client, query):
    response = client.get(f"/search/image+cat?{query}")
    assert response.status_code == 400 and response.is_json


def test_search_without_a_match_is_404(client):
    assert client.get("/search/video+g4f").status_code == 404
    assert client.get("/search/image+cat?skip=1").status_code == 404


# ---- provider media copied during a conversation ----

def chat(client, provider, **body):
    response = client.post("/backend-api/v2/conversation",
                           json={"provider": provider, "messages": [{"role": "user", "content": "draw"}], **body})
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_generated_media_is_copied_and_served_from_our_media_route(client, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_FETCH_PRIVATE", "1")
    with FakeUpstream() as up:
        up.script(Reply(frames=(png(),), stream=False, headers=(("Content-Type", "image/png"),)))
        install(FakeProvider(script=[Media((f"{up.base_url}/gen/cat.png",), alt="cat")]))
        events = chat(client, "Fake")
    media = next(e for e in events if e.get("urls"))
    [url] = media["urls"]
    assert url.startswith(f"/media/{OWNER}/") and url in media["content"]
    assert client.get(url).data == png()
    assert client.get("/search/image+cat?skip=0").status_code == 302


def test_a_failed_copy_keeps_the_link_and_adds_a_message_event(client, monkeypatch):
    url = "http://127.0.0.1:9/gen/cat.png"  # private: refused without LAMBDACHAT_MEDIA_FETCH_PRIVATE
    install(FakeProvider(script=[Media((url,), alt="cat"), Finish("stop")]))
    events = chat(client, "Fake")
    assert next(e for e in events if e.get("urls"))["urls"] == [url]
    message = next(e for e in events if e["type"] == "message")
    assert message["error"] == "MediaNotSaved"


def test_download_media_off_leaves_urls_untouched(client, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_FETCH_PRIVATE", "1")
    with FakeUpstream() as up:
        url = f"{up.base_url}/gen/cat.png"
        install(FakeProvider(script=[Media((url,))]))
        events = chat(client, "Fake", download_media=False)
        assert up.seen == []
    assert next(e for e in events if e.get("urls"))["urls"] == [url]


# ---- create ----

@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider(script=[Content("Here:\n```html\n<b>hi</b>\n```\n"), Finish("stop")])
    install(provider)
    return provider


def test_create_answers_plain_text_by_get_form_and_json(client, fake):
    for response in (client.get("/backend-api/v2/create?prompt=hi"),
                     client.post("/backend-api/v2/create", data={"prompt": "hi"}),
                     client.post("/backend-api/v2/create", json={"prompt": "hi"})):
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        assert "<b>hi</b>" in response.get_data(as_text=True)
    assert fake.requests[-1].messages == [{"role": "user", "content": "hi"}]


def test_create_streams_when_asked(client, fake):
    response = client.get("/backend-api/v2/create?prompt=hi&stream=1")
    assert response.is_streamed
    assert response.get_data(as_text=True).startswith("Here:")


def test_create_filters_markdown(client, fake):
    response = client.get("/backend-api/v2/create?prompt=hi&filter_markdown=html")
    assert response.get_data(as_text=True) == "<b>hi</b>"
    assert client.get("/backend-api/v2/create?prompt=hi&filter_markdown=rust").status_code == 502


def test_create_caches_the_answer_in_s3(client, fake):
    first = client.get("/backend-api/v2/create?prompt=hi&cache=bg1")
    second = client.get("/backend-api/v2/create?prompt=hi&cache=bg1")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert first.data == second.data != b""
    assert len(fake.requests) == 1
    assert client.get("/backend-api/v2/create?prompt=hi&cache=bg2").headers["X-Cache"] == "miss"


def test_create_errors_are_json_with_their_status(client, monkeypatch):
    install(FakeProvider(script=[RateLimitError("slow down")]))
    response = client.get("/backend-api/v2/create?prompt=hi")
    assert response.status_code == 429 and "RateLimitError" in error(response)
    install(FakeProvider(script=[Finish("stop")]))
    assert client.get("/backend-api/v2/create?prompt=hi").status_code == 502
    assert client.get("/backend-api/v2/create?prompt=hi&provider=Nope").status_code == 404
    assert client.get("/backend-api/v2/create").status_code == 400
    assert client.get("/backend-api/v2/create?prompt=hi&stream=perhaps").status_code == 400
    assert client.post("/backend-api/v2/create", data="[1]", content_type="application/json").status_code == 400


def test_create_stores_nothing_on_refusal(client, monkeypatch, aws):
    install(FakeProvider(script=[RateLimitError("slow down")]))
    client.get("/backend-api/v2/create?prompt=hi&cache=k")
    listed = aws("s3").list_objects_v2(Bucket=S3Store().bucket, Prefix="cache/")
    assert listed.get("KeyCount", 0) == 0


# ---- synthesize ----

def test_synthesize_get_returns_cacheable_audio(client):
    response = client.get("/backend-api/v2/synthesize/espeak?text=Hello+from+lambdachat")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Cache-Control"] == "max-age=604800"
    heard = hear_wav(response.data)
    assert heard.rms > 300 and 0.8 < heard.seconds < 4


def test_synthesize_post_takes_long_text_and_a_format(client):
    text = "This sentence is spoken many times over. " * 40   # ~1,600 characters: too long for a URL
    response = client.post("/backend-api/v2/synthesize/espeak", json={"text": text, "format": "ogg"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "audio/ogg"
    heard = hear(response.data)
    assert heard.rms > 300 and heard.seconds > 60


@pytest.mark.parametrize(("path", "status"), [
    ("/backend-api/v2/synthesize/espeak", 400), ("/backend-api/v2/synthesize/espeak?text=", 400),
    (f"/backend-api/v2/synthesize/espeak?text={'a' * 4097}", 413),
    ("/backend-api/v2/synthesize/Nope?text=hi", 404), ("/backend-api/v2/synthesize/espeak?text=hi&voice=zz", 404),
    ("/backend-api/v2/synthesize/Local?text=hi&voice=amy", 404),
    ("/backend-api/v2/synthesize/espeak?text=hi&format=aiff", 400),
    ("/backend-api/v2/synthesize/espeak?text=hi&speed=fast", 400),
])
def test_synthesize_refusals(client, path, status):
    response = client.get(path)
    assert response.status_code == status and response.is_json
    assert "Cache-Control" not in response.headers or "604800" not in response.headers["Cache-Control"]


def test_synthesize_post_needs_a_json_object(client):
    assert client.post("/backend-api/v2/synthesize/espeak", data="text=hi").status_code == 415
    big = {"text": "a" * 4097}
    assert client.post("/backend-api/v2/synthesize/espeak", json=big).status_code == 413


# ---- keys mode: generated media public by name, bucket media per principal ----

def test_keys_mode_media_is_public_by_name_and_bucket_media_stays_with_its_owner(monkeypatch, capsys, aws):
    from lambdachat.cli import main

    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    keys = {}
    for name in ("alice", "bob"):
        assert main(["keys", "--aws", "create", name]) == 0  # moto stands in for the deployed table
        keys[name] = {"Authorization": f"Bearer {capsys.readouterr().out.strip()}"}
    S3Store().put(layout.media_key("alice", BUCKET, "mine.png"), png(), "image/png")
    alice_owner = generated.owner_tag("alice")
    S3Store().put(generated.media_key(alice_owner, GENERATED), png(), "image/png")
    client = create_app(["media", "search"]).test_client()

    assert client.get(f"/media/{alice_owner}/{GENERATED}").data == png()   # an <img> sends no key
    assert client.get(f"/files/{BUCKET}/media/mine.png").status_code == 401
    assert client.get(f"/files/{BUCKET}/media/mine.png", headers=keys["alice"]).data == png()
    assert client.get(f"/files/{BUCKET}/media/mine.png", headers=keys["bob"]).status_code == 404
    assert client.get("/search/image+cat", headers=keys["alice"]).headers["Location"].startswith(
        f"/media/{alice_owner}/")
    assert client.get("/search/image+cat", headers=keys["bob"]).status_code == 404
