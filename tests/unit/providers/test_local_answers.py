"""The embedded model answers as well as it can (issue 16, item 6), without loading it.

A fake llama.cpp (tests/fakes/llamacpp.py) records the request LocalModel makes and streams
scripted tokens: the recommended sampling reaches the request, a client's own values win, and
an answer that only repeats itself is stopped, cancelled upstream, with finish `stop`.
"""

from __future__ import annotations

from lambdachat.providers.base import ChatRequest, Content, Finish, Notice, Usage
from lambdachat.providers.local import MODEL_ID, LocalModel
from lambdachat.providers.repetition import RepetitionGuard, repeating_unit

from tests.fakes.llamacpp import FakeLlamaServer, fake_embedded_model, template

QUESTION = [{"role": "user", "content": "Name three colors."}]
LOOP = ["Here", " are", " three", " colors", ":", "\n", "1", ".", " Red", "\n", "2", ".", " Blue", "\n", "3",
        ".", " Green", "\n"] + ["#", "pink", "\n"] * 200


def run(server: FakeLlamaServer, **params: object) -> list[object]:
    with fake_embedded_model(server) as model:
        return list(LocalModel(model).stream_chat(ChatRequest(MODEL_ID, QUESTION, params=dict(params))))


def test_the_model_cards_sampling_and_a_repetition_penalty_reach_llama_cpps_request():
    server = FakeLlamaServer(tokens=["Red", ", blue"])
    run(server)
    body = server.bodies[-1]
    assert body["temperature"] == 0.2 and body["top_p"] == 0.9
    assert body["repeat_penalty"] == 1.1 and body["repeat_last_n"] == 16
    assert body["messages"] == QUESTION and body["stream"] is True


def test_a_clients_own_sampling_values_win():
    server = FakeLlamaServer(tokens=["Red"])
    run(server, temperature=0.7, top_p=0.5, repeat_penalty=1.3, max_tokens=40)
    body = server.bodies[-1]
    assert (body["temperature"], body["top_p"], body["repeat_penalty"], body["max_tokens"]) == (0.7, 0.5, 1.3, 40)


def test_an_answer_that_only_repeats_itself_is_stopped_and_cancelled_upstream():
    server = FakeLlamaServer(tokens=LOOP, finish="length", delay=0.005)
    events = run(server)
    text = "".join(e.text for e in events if isinstance(e, Content))
    assert text.startswith("Here are three colors:\n1. Red\n2. Blue\n3. Green\n#pink\n")
    assert text.count("#pink") <= 12                # not 200 of them, to the token cap
    assert server.cancelled and server.sent < len(LOOP)
    tail = events[-3:]
    assert isinstance(tail[0], Notice) and "repeating itself" in tail[0].text
    assert tail[1] == Finish("stop")                # not `length`: Continue would only loop again
    # Usage as llama.cpp would have counted it: the prompt's tokens, one token per chunk sent.
    assert tail[2] == Usage(len(template(QUESTION).split()), sum(isinstance(e, Content) for e in events))


def test_an_ordinary_answer_runs_to_its_own_end():
    server = FakeLlamaServer(tokens=LOOP[:18])
    events = run(server)
    assert not server.cancelled and Finish("stop") in events
    assert not any(isinstance(e, Notice) for e in events)


ORDINARY = [
    "1. Red\n2. Blue\n3. Green\n4. Yellow\n5. Purple\n6. Orange\n7. Pink\n8. Brown\n9. Black\n10. White\n",
    "| Name | Age | City | Job | Pet | Car | Team |\n|---|---|---|---|---|---|---|\n| Ann | 31 | Oslo | dev |",
    "def f(x):\n    pass\n\ndef g(x):\n    pass\n\ndef h(x):\n    pass\n",
    "Ha ha ha ha! That is a good one.",
    "The numbers are 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23.",
    "-" * 150 + "\nA heading\n" + "=" * 40,
    "|" + "---|" * 40,
    "Row row row your boat, gently down the stream. Merrily merrily merrily merrily, life is but a dream.",
]


def test_ordinary_answers_are_not_taken_for_loops():
    for text in ORDINARY:
        assert repeating_unit(text) is None, text


def test_loops_of_a_word_a_line_or_a_sentence_are_found_within_a_few_repeats():
    for unit, within in (("#pink ", 80), ("- pink\n", 80), ("I am sorry, I cannot help with that. ", 200),
                         ("!", 220)):
        guard = RepetitionGuard()
        fed = "Sure.\n"
        guard.feed(fed)
        while not guard.feed(unit):
            fed += unit
            assert len(fed) < within, unit
        assert guard.unit is not None and unit.strip() in (guard.unit * 2)
