"""BM25 ranking: what a user searching their memories relies on."""

from lambdachat.memory.ranking import Bm25Index, stem, tokenize

DOCS = [
    "I love Lisbon in spring",                         # 0
    "My son is allergic to peanuts",                   # 1
    "Peanuts and peanut butter are banned at school",  # 2
    "We booked trips to Porto and Lisbon",             # 3
    "The dentist appointment is on Friday",            # 4
]


def test_tokenize_drops_function_words_and_folds_plurals():
    assert tokenize("What are MY allergies?") == ["allergy"]
    assert tokenize("Trips, cities and boxes") == ["trip", "city", "box"]
    assert stem("class") == "class" and stem("status") == "status"


def test_the_document_with_the_rare_term_ranks_first():
    index = Bm25Index(DOCS)
    ranked = [doc for doc, _ in index.search("peanuts allergic", 5)]
    assert ranked[0] == 1
    assert set(ranked) == {1, 2}


def test_function_words_alone_match_nothing():
    # V1's mem0 replacement must not answer "what do I like" with every memory that says "I".
    assert Bm25Index(DOCS).search("what do I", 5) == []


def test_plural_query_finds_singular_memory():
    ranked = Bm25Index(DOCS).search("trip lisbon", 5)
    assert [doc for doc, _ in ranked][:2] == [3, 0]


def test_scores_are_positive_and_sorted_and_limit_holds():
    ranked = Bm25Index(DOCS).search("lisbon peanuts friday", 2)
    assert len(ranked) == 2
    assert ranked[0][1] >= ranked[1][1] > 0


def test_ties_go_to_the_newer_memory():
    index = Bm25Index(["buy milk", "buy milk"])
    assert [doc for doc, _ in index.search("milk", 2)] == [1, 0]


def test_empty_corpus_and_unknown_terms():
    assert Bm25Index([]).search("anything", 3) == []
    assert Bm25Index(DOCS).search("zzzz", 3) == []
