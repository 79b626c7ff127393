"""Chinese-aware text for the page search index.

Wagtail's database backends (SQLite FTS5, PostgreSQL) split words on spaces and punctuation, so a
run of Chinese characters is one "word" and a query for part of it finds nothing. Pages therefore
index an extra field where each run of CJK characters is written as its single characters and its
overlapping two-character pairs; queries are rewritten the same way (pairs, or the character itself
for a one-character query). Latin words and numbers pass through unchanged. The same text works
with Elasticsearch's standard analyser.
"""

import re

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
OTHER_WORD = re.compile(r"[0-9A-Za-z]+(?:[.\-][0-9A-Za-z]+)*")


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def segment_for_index(text: str) -> str:
    """Text as stored in the index: characters and pairs of every CJK run, other words as they are."""
    words: list[str] = []
    for match in CJK_RUN.finditer(text):
        run = match.group()
        words.extend(run)
        words.extend(_pairs(run))
    words.extend(OTHER_WORD.findall(text))
    return " ".join(words)


def segment_query(query: str) -> str:
    """A visitor's query as terms that all must be present in ``segment_for_index`` output."""
    terms: list[str] = []
    for part in query.split():
        for match in CJK_RUN.finditer(part):
            run = match.group()
            terms.extend(_pairs(run) if len(run) > 1 else [run])
        terms.extend(OTHER_WORD.findall(part))
    # keep the order, drop repeats
    return " ".join(dict.fromkeys(terms))
