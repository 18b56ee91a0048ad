"""A hit's snippet: the words of the search marked where they stand in the record's own text, in its own case.

The index keeps its words in lower case with ё written е (grants/search/text.py, normalise), so a snippet cut from
it by the database reads «шахматный кружок при сельской школе» for «Шахматный кружок при сельской школе». The
snippet is cut here instead, from the text the entry was made from (grants/search/index.py, source_text): a word is
marked when its normalised form begins with the stem of a word searched for (inside it, when the search fell back
to trigrams), the same rule the databases match by. Every character the NGO wrote is escaped; only <mark> is markup.
"""

import re

from markupsafe import Markup, escape

from grants.search.text import WORD, normalise, stem

BEFORE, AFTER = 6, 14  # words of context around the first match of a fragment: about HEADLINE's 24
FRAGMENTS = 2
SPACE = re.compile(r"\s+")


def matcher(terms, inside=False):
    """Whether a word of the text (as written) is one the search found; None when nothing is searched by words."""
    stems = [stem(w) for w in terms]
    if not stems:
        return None
    if inside:
        return lambda word: any(s in normalise(word) for s in stems)
    return lambda word: any(normalise(word).startswith(s) for s in stems)


def _piece(text):
    return escape(SPACE.sub(" ", text))


def snippet(text, matches):
    """Markup of up to FRAGMENTS fragments of `text` around the words `matches` accepts, or None if none does."""
    if not text or matches is None:
        return None
    tokens = list(WORD.finditer(text))
    found = [i for i, t in enumerate(tokens) if matches(t.group())]
    if not found:
        return None
    windows = []
    for i in found:
        if windows and i <= windows[-1][1]:
            continue
        start = max(0, i - BEFORE, windows[-1][1] + 1 if windows else 0)
        windows.append((start, min(len(tokens) - 1, i + AFTER)))
        if len(windows) == FRAGMENTS:
            break
    marked, last = set(found), len(tokens) - 1
    out = Markup("… ") if windows[0][0] > 0 else Markup("")
    for n, (start, end) in enumerate(windows):
        if n:
            out += Markup(" … ") if start > windows[n - 1][1] + 1 else _piece(
                text[tokens[start - 1].end():tokens[start].start()])
        position = tokens[start].start()
        for i in range(start, end + 1):
            token = tokens[i]
            out += _piece(text[position:token.start()])
            out += Markup("<mark>%s</mark>") % token.group() if i in marked else escape(token.group())
            position = token.end()
    end = windows[-1][1]
    out += Markup(" …") if end < last else _piece(text[tokens[end].end():].rstrip())
    return out
