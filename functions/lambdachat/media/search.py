"""`/search/<terms>`: pick one of the caller's generated media files by type and name.

Terms are joined by `+` (`/search/video+g4f`, as V1's background page asks). A first term
that is a kind (`image`, `audio`, `video`) filters by type; the other terms must appear in the
file name (all of them, or at least `min`). Matches are ordered by how many terms they hit,
newest first, so `skip=n` walks them in a stable order; `random` picks one (seeded by its
value unless it is `true`/`1`). Every parameter is checked: a bad one is a 400, never a 500.
"""

from __future__ import annotations

import random as _random
import re
from dataclasses import dataclass

from lambdachat.errors import BadRequest, NotFound
from lambdachat.files.layout import media_type
from lambdachat.media.generated import public_url
from lambdachat.media.store import ObjectStore
from lambdachat.storage import keys

KINDS = frozenset({"image", "audio", "video"})
MAX_TERMS = 10
MAX_FILES = 5000  # the default of Settings.search_max_files: how many of the owner's files are listed
_TERM = re.compile(r"[^\w.,+-]+")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Query:
    kind: str | None
    words: tuple[str, ...]
    min_hits: int
    skip: int
    seed: str | None


def _int_param(name: str, raw: str | None, default: int, upper: int) -> int:
    if raw is None or raw == "":
        return default
    # ASCII digits, bounded: str.isdigit() also passes "²" (which int() refuses: a 500) and "٣".
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) > upper:
        raise BadRequest(f"'{name}' must be a whole number from 0 to {upper}")
    return int(raw)


def parse_query(terms: str, skip: str | None, random: str | None, min_hits: str | None) -> Query:
    tags = [t for t in (_TERM.sub("_", chunk.lower()).strip("._,+-") for chunk in re.split(r"[+\s]+", terms))
            if t]
    if not tags:
        raise BadRequest("Search for at least one word, e.g. /search/image+cat")
    if len(tags) > MAX_TERMS:
        raise BadRequest(f"At most {MAX_TERMS} search terms")
    kind = tags[0] if tags[0] in KINDS else None
    words = tuple(tags[1:] if kind else tags)
    if random is not None and len(random) > 100:
        raise BadRequest("'random' is too long")
    return Query(kind=kind, words=words,
                 min_hits=_int_param("min", min_hits, len(words), len(words)),
                 skip=_int_param("skip", skip, 0, 1_000_000),
                 seed=random if random is not None and random != "" else None)


def rank(names: list[str], query: Query) -> list[str]:
    scored = []
    for name in names:
        if query.kind and not media_type(name).startswith(query.kind + "/"):
            continue
        if not media_type(name).startswith(tuple(f"{k}/" for k in KINDS)):
            continue
        lowered = name.lower()
        hits = sum(word in lowered for word in query.words)
        if hits >= query.min_hits:
            scored.append((hits, name))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [name for _, name in scored]


def pick(matches: list[str], query: Query) -> str:
    if not matches:
        raise NotFound("No media matches the search")
    if query.seed is not None:
        unseeded = query.seed.lower() in {"true", "1"}
        chooser = _random.Random() if unseeded else _random.Random(query.seed)
        return chooser.choice(matches)
    if query.skip >= len(matches):
        raise NotFound(f"Only {len(matches)} media files match the search")
    return matches[query.skip]


def find_media(store: ObjectStore, owner: str, query: Query, max_files: int = MAX_FILES) -> str:
    """The URL of the best match among this owner's generated media."""
    names = store.list_names(keys.generated_media_prefix(owner), max_files)
    return public_url(owner, pick(rank(names, query), query))
