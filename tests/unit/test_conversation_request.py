import pytest
from lambdachat.chat.prompt import CONTINUE_PROMPT, build_messages
from lambdachat.chat.request import image_upload, parse_conversation
from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.json_input import parse_json

from tests.fakes.providers import FakeProvider

USER = {"role": "user", "content": "hi"}


@pytest.mark.parametrize("body, message", [
    ([], "JSON object"),
    ({}, "non-empty list"),
    ({"messages": []}, "non-empty list"),
    ({"messages": "hi"}, "non-empty list"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "role"),
    ({"messages": [{"role": "user", "content": 5}]}, "content"),
    ({"messages": [{"role": "user", "content": [{"type": "audio"}]}]}, "unsupported"),
    ({"messages": [USER], "model": 3}, "'model'"),
    ({"messages": [USER], "action": "explode"}, "'action'"),
    ({"messages": [USER], "temperature": "hot"}, "'temperature'"),
    ({"messages": [USER], "max_tokens": True}, "'max_tokens'"),
    ({"messages": [USER], "ignored": "OpenAI"}, "'ignored'"),
    ({"messages": [USER], "conversation": []}, "'conversation'"),
])
def test_bad_requests_are_rejected_with_a_reason(body, message):
    with pytest.raises(BadRequest, match=message):
        parse_conversation(body)


def test_v1_body_is_understood():
    inp = parse_conversation({
        "id": 7364, "conversation_id": "c-1", "model": "m", "provider": "Fake", "messages": [USER],
        "action": "variant", "api_key": "k", "web_search": False, "download_media": True,
        "ignored": ["OpenAI"], "aspect_ratio": "16:9", "temperature": 0.3, "max_tokens": 64,
        "some_ui_field": "ignored",
    })
    assert (inp.model, inp.provider, inp.action, inp.api_key) == ("m", "Fake", "variant", "k")
    assert inp.message_id == "7364"
    assert inp.params == {"temperature": 0.3, "max_tokens": 64}
    assert inp.ignored == frozenset({"OpenAI"})


def test_header_key_is_used_when_the_body_has_none():
    assert parse_conversation({"messages": [USER]}, header_api_key="hk").api_key == "hk"
    assert parse_conversation({"messages": [USER], "api_key": "bk"}, header_api_key="hk").api_key == "bk"


def test_invalid_json_text_is_a_bad_request():
    with pytest.raises(BadRequest, match="Invalid JSON"):
        parse_json(b"{not json")


def test_only_images_may_be_attached_and_size_is_capped():
    assert image_upload("cat.PNG", b"x").content_type == "image/png"
    with pytest.raises(BadRequest):
        image_upload("evil.html", b"<script>")
    with pytest.raises(PayloadTooLarge):
        image_upload("big.jpg", b"x" * (10 * 1024 * 1024 + 1))


def test_variant_answers_the_last_user_turn_again():
    inp = parse_conversation({"messages": [USER, {"role": "assistant", "content": "old"}], "action": "variant"})
    assert build_messages(inp, FakeProvider()) == [USER]


def test_continue_asks_for_more_unless_the_provider_prefills():
    history = [USER, {"role": "assistant", "content": "line one\nline two"}]
    inp = parse_conversation({"messages": history, "action": "continue"})
    asked = build_messages(inp, FakeProvider())
    assert asked[-1] == {"role": "user", "content": CONTINUE_PROMPT + "line two"}
    prefill = FakeProvider()
    prefill.supports_prefill = True
    assert build_messages(inp, prefill) == history


def test_continue_without_an_answer_is_a_bad_request():
    with pytest.raises(BadRequest):
        build_messages(parse_conversation({"messages": [USER], "action": "continue"}), FakeProvider())


def test_images_join_the_last_user_message_as_data_uris():
    inp = parse_conversation({"messages": [USER]}, images=[image_upload("a.png", b"\x89PNG")])
    content = build_messages(inp, FakeProvider())[0]["content"]
    assert content[0] == {"type": "text", "text": "hi"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
