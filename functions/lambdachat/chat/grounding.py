"""Web search for one turn (`web_search`): which query, the search, and the prompt it rewrites.

`web_search: true` searches for the last user message, a string is the query itself (g4f). A
search that fails or finds nothing is told to the user as a `message` event and the turn goes on
without it; one that finds pages puts them above the last user message and hands back the
sources the answer ends with.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from lambdachat.chat.request import ConversationInput
from lambdachat.observability import logger
from lambdachat.providers.base import ChatRequest, Log, Notice
from lambdachat.websearch.base import SearchError
from lambdachat.websearch.service import query_text

if TYPE_CHECKING:
    from lambdachat.websearch.service import Grounding, WebSearch


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))


def _last_user(messages: list[dict[str, Any]]) -> int | None:
    return next((i for i in range(len(messages) - 1, -1, -1) if messages[i]["role"] == "user"), None)


def search_query(inp: ConversationInput) -> str | None:
    """The query of this turn, or None when it searches nothing. `continue` carries on an answer
    that already has its sources, so it does not search again."""
    if not inp.web_search or inp.action == "continue":
        return None
    if isinstance(inp.web_search, str):
        return query_text(inp.web_search) or None
    index = _last_user(inp.messages)
    return (query_text(_text(inp.messages[index]["content"])) or None) if index is not None else None


def with_results(messages: list[dict[str, Any]], grounding: Grounding) -> list[dict[str, Any]]:
    """The messages with the results put into the last user message (text parts stay in order)."""
    index = _last_user(messages)
    if index is None:
        return messages
    out = list(messages)
    content = out[index]["content"]
    if isinstance(content, str):
        out[index] = {**out[index], "content": grounding.prompt(content)}
    else:
        out[index] = {**out[index], "content": [{"type": "text", "text": grounding.prompt("")}, *content]}
    return out


def ground(request: ChatRequest, query: str, web: Callable[[], WebSearch]
           ) -> Generator[Notice | Log, None, str]:
    """Searches, rewrites `request.messages`, yields what the user should know, returns the
    sources to end the answer with ("" when the turn goes on without the web)."""
    try:
        grounding = web().run(query)
    except SearchError as exc:
        yield Notice(type(exc).__name__, f"Web search failed, answering without it: {exc}")
        return ""
    except Exception:  # a bug in an engine adapter must not cost the user the answer
        logger.exception("web search crashed")
        yield Notice("SearchError", "Web search failed, answering without it")
        return ""
    if not grounding.found:
        yield Notice("SearchNoResults", f"The web search for {query[:80]!r} found nothing; answering without it")
        return ""
    request.messages = with_results(request.messages, grounding)
    yield Log(f"Web search: '{query[:50]}...' with {len(grounding.found)} Results {grounding.used_words} Words")
    return grounding.sources()
