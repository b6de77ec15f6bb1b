"""BM25 over one user's memories, in pure Python.

The index precomputes each posting's whole BM25 contribution (idf and length norm included),
so a query is only: look up its few terms, add floats per matching document, take the top k.
That keeps a 10,000-memory search far below a millisecond-per-thousand budget without numpy.
The price is that any change to the corpus means a rebuild (idf and the average length move);
the service caches one built index per user and rebuilds only when the stored version changes.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Sequence

K1 = 1.2
B = 0.75

_WORD = re.compile(r"\w+")

# Function words carry no topic; leaving them in made "what food allergies…" rank "I love…" first.
_STOPWORDS_TEXT = """
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just let me more
most my myself no nor not now of off on once only or other our ours ourselves out over own same
she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves s t d ll m re ve don doesn didn isn wasn aren
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def stem(word: str) -> str:
    """Fold the common English plural/verb endings so "allergies" meets "allergy", "trips" "trip".

    Deliberately conservative (Porter's step 1a-like): it never maps two unrelated words together
    as often as a full stemmer would, and it costs one or two string checks per token.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.casefold()) if w not in STOPWORDS]


class Bm25Index:
    """Ranks documents (by position in `docs`) for a free-text query."""

    def __init__(self, docs: Sequence[str], *, k1: float = K1, b: float = B) -> None:
        counts = [Counter(tokenize(doc)) for doc in docs]
        lengths = [sum(c.values()) for c in counts]
        n = len(docs)
        avg = (sum(lengths) / n) if n else 1.0
        norms = [k1 * (1 - b + b * length / (avg or 1.0)) for length in lengths]

        raw: dict[str, list[tuple[int, int]]] = {}
        for doc, tf in enumerate(counts):
            for term, freq in tf.items():
                raw.setdefault(term, []).append((doc, freq))

        self.size = n
        self._postings: dict[str, tuple[list[int], list[float]]] = {}
        for term, postings in raw.items():
            df = len(postings)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))   # Lucene's form: never negative
            ids = [doc for doc, _ in postings]
            weights = [idf * freq * (k1 + 1) / (freq + norms[doc]) for doc, freq in postings]
            self._postings[term] = (ids, weights)

    def search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """Best `limit` (document index, score) pairs, best first; documents matching no term are left out.

        Ties go to the later document: memories are indexed oldest first, so the newer one wins.
        """
        scores: dict[int, float] = {}
        get = scores.get
        for term in set(tokenize(query)):
            found = self._postings.get(term)
            if found is None:
                continue
            for doc, weight in zip(*found, strict=True):
                scores[doc] = get(doc, 0.0) + weight
        return heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], item[0]))
