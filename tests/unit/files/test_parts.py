"""Bucket references in messages become the bucket's text or media."""

import pytest
from lambdachat.errors import NotFound
from lambdachat.files.parts import expand_buckets, mentions_bucket

BUCKET = "0b7e1c9e-5f1a-4a8e-9a55-2d2c1e7f9b11"


class Source:
    def __init__(self):
        self.reads = []

    def text(self, bucket_id):
        self.reads.append(bucket_id)
        if bucket_id != BUCKET:
            raise NotFound("Bucket not found")
        return "```a.txt\nthe text\n```\n\n"

    def media_data_uri(self, bucket_id, name, max_bytes):
        kind = "image/png" if name.endswith(".png") else "audio/mpeg"
        return kind, f"data:{kind};base64,AAAA"


def test_a_bucket_part_becomes_its_text():
    messages = [{"role": "user", "content": [{"type": "text", "text": "Summarise:"}, {"bucket_id": BUCKET}]}]
    assert expand_buckets(messages, Source()) == [{"role": "user", "content": [
        {"type": "text", "text": "Summarise:"}, {"type": "text", "text": "```a.txt\nthe text\n```\n\n"}]}]


def test_the_v1_marker_inside_text_is_replaced():
    content = f'What does it say?\n{{"bucket_id":"{BUCKET}"}}'
    assert expand_buckets([{"role": "user", "content": content}], Source())[0]["content"] == (
        "What does it say?\n```a.txt\nthe text\n```\n\n")


def test_a_bucket_image_becomes_an_image_url_part_and_audio_a_note():
    parts = [{"bucket_id": BUCKET, "url": f"/files/{BUCKET}/media/cat.png", "name": "cat.png"},
             {"bucket_id": BUCKET, "url": "…", "name": "song.mp3"}]
    content = expand_buckets([{"role": "user", "content": parts}], Source())[0]["content"]
    assert content == [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                       {"type": "text", "text": "[attached audio file: song.mp3]"}]


def test_each_bucket_is_read_once_per_prompt():
    source = Source()
    history = [{"role": "user", "content": [{"bucket_id": BUCKET}]}, {"role": "assistant", "content": "ok"},
               {"role": "user", "content": [{"bucket_id": BUCKET}, {"type": "text", "text": "again"}]}]
    expand_buckets(history, source)
    assert source.reads == [BUCKET]


def test_an_unknown_bucket_is_not_found():
    with pytest.raises(NotFound):
        expand_buckets([{"role": "user", "content": [{"bucket_id": "ffffffff-0000"}]}], Source())


@pytest.mark.parametrize(("content", "expected"), [
    ("plain", False), ([{"type": "text", "text": "x"}], False), ([{"bucket_id": BUCKET}], True),
    (f'see {{"bucket_id":"{BUCKET}"}}', True)])
def test_mentions_bucket(content, expected):
    assert mentions_bucket([{"role": "user", "content": content}]) is expected
