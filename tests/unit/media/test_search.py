"""/search term parsing and ranking: what the V1 background page relies on, and bad params as 400."""

import pytest
from lambdachat.errors import BadRequest, NotFound
from lambdachat.media.generated import media_key
from lambdachat.media.search import find_media, parse_query, pick, rank

NAMES = ["1700000001_red_cat_aaaa.png", "1700000002_cat_video_bbbb.mp4", "1700000003_dog_cccc.png",
         "1700000004_g4f_intro_dddd.webm", "1700000005_red_dog_eeee.jpg", "1700000006_cat_song_ffff.mp3"]


def q(terms, skip=None, random=None, min_hits=None):
    return parse_query(terms, skip, random, min_hits)


def test_a_kind_first_filters_by_type_and_the_rest_match_names():
    assert rank(NAMES, q("image+cat")) == ["1700000001_red_cat_aaaa.png"]
    assert rank(NAMES, q("video+g4f")) == ["1700000004_g4f_intro_dddd.webm"]
    assert rank(NAMES, q("audio")) == ["1700000006_cat_song_ffff.mp3"]


def test_without_a_kind_every_term_must_match_and_newest_comes_first():
    assert rank(NAMES, q("cat")) == ["1700000006_cat_song_ffff.mp3", "1700000002_cat_video_bbbb.mp4",
                                     "1700000001_red_cat_aaaa.png"]
    assert rank(NAMES, q("red+cat")) == ["1700000001_red_cat_aaaa.png"]


def test_min_lowers_how_many_terms_must_match_and_more_hits_rank_higher():
    assert rank(NAMES, q("red+cat", min_hits="1"))[0] == "1700000001_red_cat_aaaa.png"
    assert len(rank(NAMES, q("red+cat", min_hits="1"))) == 4


def test_terms_are_case_folded_and_reduced_like_filenames():
    assert q("IMAGE+Red Cat").words == ("red", "cat")


def test_skip_walks_the_matches_and_past_the_end_is_404():
    matches = rank(NAMES, q("cat"))
    assert pick(matches, q("cat", skip="1")) == matches[1]
    with pytest.raises(NotFound):
        pick(matches, q("cat", skip="3"))


def test_a_seeded_random_pick_is_repeatable():
    matches = rank(NAMES, q("cat"))
    picks = {pick(matches, q("cat", random="seed-1")) for _ in range(5)}
    assert len(picks) == 1
    assert pick(matches, q("cat", random="true")) in matches


@pytest.mark.parametrize(("terms", "skip", "random", "min_hits"), [
    ("", None, None, None), ("+++", None, None, None), ("cat", "-1", None, None), ("cat", "x", None, None),
    ("cat", "1.5", None, None), ("cat", None, None, "2"), ("cat", None, None, "abc"),
    ("+".join(["w"] * 11), None, None, None), ("cat", None, "r" * 101, None), ("cat", "9" * 30, None, None),
])
def test_malformed_parameters_are_400(terms, skip, random, min_hits):
    with pytest.raises(BadRequest):
        parse_query(terms, skip, random, min_hits)


def test_no_match_is_404():
    with pytest.raises(NotFound):
        pick(rank(NAMES, q("image+unicorn")), q("image+unicorn"))


def test_find_media_searches_only_the_owners_files():
    from lambdachat.media.store import MemoryStore

    store = MemoryStore()
    store.put(media_key("0" * 16, "1_cat_aaaa.png"), b"x", "image/png")
    store.put(media_key("1" * 16, "2_cat_bbbb.png"), b"x", "image/png")
    assert find_media(store, "0" * 16, q("image+cat")) == f"/media/{'0' * 16}/1_cat_aaaa.png"
