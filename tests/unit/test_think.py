from lambdachat.chat.think import CLOSE, OPEN, ThinkSplitter


def run(chunks: list[str]) -> list[tuple[str, bool, str | None]]:
    splitter = ThinkSplitter()
    out = [p for c in chunks for p in splitter.feed(c)] + list(splitter.flush())
    return [(p.text, p.thinking, p.edge) for p in out]


def joined(chunks: list[str]) -> tuple[str, str]:
    pieces = run(chunks)
    return ("".join(t for t, thinking, _ in pieces if not thinking),
            "".join(t for t, thinking, _ in pieces if thinking))


def test_plain_text_passes_through_untouched():
    assert joined(["Hello ", "world"]) == ("Hello world", "")


def test_think_block_becomes_reasoning_with_edges():
    pieces = run(["<think>plan</think>answer"])
    assert pieces == [("", True, OPEN), ("plan", True, None), ("", False, CLOSE), ("answer", False, None)]


def test_tags_split_across_chunks_are_still_found():
    chunks = ["<th", "ink>let me", " see</thi", "nk>The answer", " is 4"]
    assert joined(chunks) == ("The answer is 4", "let me see")


def test_text_that_only_looks_like_a_tag_start_is_not_lost():
    assert joined(["a <t", "able> b"]) == ("a <table> b", "")
    assert joined(["ends with <thi"]) == ("ends with <thi", "")


def test_every_character_split_gives_the_same_result():
    text = "pre<think>deep thought</think>post"
    assert joined(list(text)) == ("prepost", "deep thought")
