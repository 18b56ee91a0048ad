"""Text repeated from other applications: shingles, MinHash and LSH for candidates, exact containment, passages."""

import bisect
import hashlib
import operator
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from grants.textcheck import lowered

# Letters and digits in any script; combining marks stay with their letter (a decomposed й is one word).
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_MASK64 = (1 << 64) - 1
_EMPTY_BIN = 1 << 64  # outside every 64-bit value: the signature of a text without shingles
DEFAULT_SEED = 20240301
# find_similar flags on containment >= threshold, but MinHash estimates Jaccard, which is lower: 1/3 for two
# equal texts half shared, 0.14 when the longer is three times the shorter. Bands of 2 rows out of 256 bins make a
# pair a candidate with probability 1 - (1 - J²)^128: >0.999 at J=1/3, 0.93 at 0.14, 1.3% at 0.01 (unrelated prose).
FIND_NUM_PERM = 256
FIND_BANDS = 128
# A candidate whose containment estimated from the signatures is under half the threshold is not checked exactly:
# for a pair truly at the threshold that is 3.5 standard deviations of the estimate or more.
PREFILTER_SHARE = 0.5
MERGE_GAP_WORDS = 3  # shared runs this close in both texts are one passage: an edited word does not split it
MAX_GRAM_REPEATS = 50  # a k-gram repeated more often than this (a table of zeros) is not evidence of copying
_OPENING = "«„“‘\"'(["
_CLOSING = "»”’\"')].,;:!?…"


def _fold(text):
    return lowered(text).replace("ё", "е")


def _words(text):
    return _WORD.findall(_fold(text or ""))


def _tokens(text):
    """(normalised word, start, end) for every word of the original text; slower than _words, for passages."""
    return [(_fold(match.group()), match.start(), match.end()) for match in _WORD.finditer(text or "")]


def normalise(text):
    """Lower case, ё as е, punctuation dropped, words of any script separated by single spaces."""
    return " ".join(_words(text))


def _hash(value):
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def _word_shingles(words, k):
    if len(words) < k:  # a text shorter than one shingle is one shingle, so short equal texts still match
        return {_hash(" ".join(words))} if words else set()
    return {_hash(" ".join(words[i : i + k])) for i in range(len(words) - k + 1)}


def shingles(text, k=5):
    """Stable 64-bit hashes of the text's word k-grams (the same in every process, unlike hash())."""
    return _word_shingles(_words(text), k)


def similarity(a, b):
    """Containment of the smaller shingle set in the larger: the measure that flags.

    An application pasted whole into a longer one scores 1.0 here, while its Jaccard is only the length ratio.
    """
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def jaccard(a, b):
    """|A∩B| / |A∪B|: what MinHash estimates; shown beside containment, never used to flag."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _seed_words(seed):
    digest = hashlib.blake2b(f"minhash:{seed}".encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") | 1, int.from_bytes(digest[8:], "big")


@lru_cache(maxsize=1 << 16)  # short texts leave most bins empty; the probes repeat for every one of them
def _probe(seed, num_perm, empty_bin, attempt):
    """The attempt-th bin an empty bin borrows from; the same sequence for every text, so borrowed values agree."""
    return _hash(f"{seed}:{num_perm}:{empty_bin}:{attempt}") % num_perm


def minhash_signature(shingles, num_perm=128, seed=DEFAULT_SEED):
    """One-permutation MinHash with optimal densification (Li et al. 2012, Shrivastava 2017).

    A seeded bijection of the 64-bit shingle hashes is split into num_perm equal ranges, each keeping its minimum:
    the same collision probability (the Jaccard) as num_perm independent permutations at the cost of one, which in
    pure Python is the difference between seconds and minutes for 5,000 applications. Empty ranges borrow from
    another range picked by a probe sequence that depends only on the seed.
    """
    multiplier, offset = _seed_words(seed)
    values = sorted(((x ^ offset) * multiplier) & _MASK64 for x in shingles)
    if not values:
        return (_EMPTY_BIN,) * num_perm
    signature = []
    for b in range(num_perm):
        i = bisect.bisect_left(values, (b << 64) // num_perm)
        signature.append(values[i] if i < len(values) and values[i] < ((b + 1) << 64) // num_perm else None)
    filled = list(signature)
    for b, value in enumerate(signature):
        attempt = 0
        while value is None:
            attempt += 1
            value = signature[_probe(seed, num_perm, b, attempt)]
        filled[b] = value
    return tuple(filled)


def estimate_jaccard(sig_a, sig_b):
    """The share of positions where two signatures agree."""
    return sum(map(operator.eq, sig_a, sig_b)) / len(sig_a)


def candidate_pairs(signatures, bands=32):
    """Pairs of ids whose signatures agree on all rows of at least one band (LSH banding).

    Pairs come in the signatures' order, so ids need not be comparable.
    """
    ids = list(signatures)
    if not ids:
        return set()
    length = len(signatures[ids[0]])
    if length % bands:
        raise ValueError(f"{length} signature positions do not split into {bands} bands")
    rows = length // bands
    buckets = {}
    for index, key in enumerate(ids):
        signature = signatures[key]
        for band in range(bands):
            buckets.setdefault((band, *signature[band * rows : (band + 1) * rows]), []).append(index)
    pairs = set()
    for members in buckets.values():
        pairs.update(combinations(members, 2))
    return {(ids[i], ids[j]) for i, j in pairs}


@dataclass(frozen=True)
class SimilarPair:
    id_a: object
    id_b: object
    score: float  # containment of the shorter text's shingles in the longer's


def find_similar(docs, threshold=0.5, k=5):
    """Pairs of documents whose containment reaches threshold, highest first, id_a the earlier in docs.

    MinHash and LSH propose candidates and exact containment confirms them, so all pairs are never compared. The
    banding (FIND_BANDS) is set for thresholds around 0.5; much lower ones would miss pairs.
    """
    stored, signatures, order = {}, {}, {}
    for key, text in docs.items():
        order[key] = len(order)
        found = shingles(text, k)
        if found:  # an empty text shares nothing; left in, all empty texts would share every bucket
            stored[key] = array("Q", found)  # 8 bytes a shingle instead of ~60 in a set: 10M shingles fit in 80 MB
            signatures[key] = minhash_signature(found, FIND_NUM_PERM)
    pairs = []
    for a, b in candidate_pairs(signatures, FIND_BANDS):
        size_a, size_b = len(stored[a]), len(stored[b])
        # Text every application shares (a call's wording quoted by all) makes many weak candidates; the
        # signatures' estimate drops those far below the threshold before the exact check, which costs ~20x more.
        j = estimate_jaccard(signatures[a], signatures[b])
        if j * (size_a + size_b) / (1 + j) < PREFILTER_SHARE * threshold * min(size_a, size_b):
            continue
        score = len(set(stored[a]).intersection(stored[b])) / min(size_a, size_b)
        if score >= threshold:
            pairs.append(SimilarPair(a, b, score))
    return sorted(pairs, key=lambda p: (-p.score, order[p.id_a], order[p.id_b]))


@dataclass(frozen=True)
class Passage:
    a_start: int  # character offsets into the original texts, end exclusive
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    words: int  # words in the shorter side


def _shared_runs(words_a, words_b, k):
    """[a_lo, a_hi, b_lo, b_hi] word ranges where consecutive k-grams of a and b coincide."""
    where_in_b = {}
    for j in range(len(words_b) - k + 1):
        where_in_b.setdefault(tuple(words_b[j : j + k]), []).append(j)
    runs, open_runs = [], {}  # open_runs: diagonal (j - i) -> the run its previous k-gram extended
    for i in range(len(words_a) - k + 1):
        found = where_in_b.get(tuple(words_a[i : i + k]), ())
        extended = {}
        for j in found if len(found) <= MAX_GRAM_REPEATS else ():
            run = open_runs.get(j - i)
            if run is None:
                run = [i, i + k, j, j + k]
                runs.append(run)
            run[1], run[3] = i + k, j + k
            extended[j - i] = run
        open_runs = extended
    return runs


def _near(lo1, hi1, lo2, hi2):
    return lo1 <= hi2 + MERGE_GAP_WORDS and lo2 <= hi1 + MERGE_GAP_WORDS


def _merge(runs):
    """Runs near each other in both texts joined, until no two are near."""
    while True:
        merged = []
        for run in sorted(runs):
            for other in merged:
                if _near(run[0], run[1], other[0], other[1]) and _near(run[2], run[3], other[2], other[3]):
                    other[:] = (min(run[0], other[0]), max(run[1], other[1]),
                                min(run[2], other[2]), max(run[3], other[3]))
                    break
            else:
                merged.append(list(run))
        if len(merged) == len(runs):
            return merged
        runs = merged


def _overlap(lo1, hi1, lo2, hi2):
    return lo1 < hi2 and lo2 < hi1


def _span(text, tokens, lo, hi):
    """Character offsets of words lo..hi, widened to the quotes and punctuation stuck to them."""
    start, end = tokens[lo][1], tokens[hi - 1][2]
    while start > 0 and text[start - 1] in _OPENING:
        start -= 1
    while end < len(text) and text[end] in _CLOSING:
        end += 1
    return start, end


def matching_passages(text_a, text_b, k=5, min_words=12):
    """Passages of at least min_words shared by two texts, longest first, as offsets into the original texts.

    Each stretch of either text appears in at most one passage, the longest it belongs to.
    """
    tokens_a, tokens_b = _tokens(text_a), _tokens(text_b)
    runs = _merge(_shared_runs([t[0] for t in tokens_a], [t[0] for t in tokens_b], k))
    runs = [run for run in runs if min(run[1] - run[0], run[3] - run[2]) >= min_words]
    runs.sort(key=lambda run: (-min(run[1] - run[0], run[3] - run[2]), run[0], run[2]))
    kept, passages = [], []
    for a_lo, a_hi, b_lo, b_hi in runs:
        if any(_overlap(a_lo, a_hi, *other[:2]) or _overlap(b_lo, b_hi, *other[2:]) for other in kept):
            continue
        kept.append((a_lo, a_hi, b_lo, b_hi))
        a_start, a_end = _span(text_a, tokens_a, a_lo, a_hi)
        b_start, b_end = _span(text_b, tokens_b, b_lo, b_hi)
        passages.append(Passage(a_start, a_end, b_start, b_end, text_a[a_start:a_end], text_b[b_start:b_end],
                                min(a_hi - a_lo, b_hi - b_lo)))
    return passages
