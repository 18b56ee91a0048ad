"""The language an application is written in, Kazakh or Russian, read from its text."""

import re
from dataclasses import dataclass

from grants.textcheck import lowered

KAZAKH_LETTERS = frozenset("әғқңөұүһі")
# ё and щ, unlike э, ъ and ц, are not kept by Kazakh loanwords (экология, объект, акция).
RUSSIAN_LETTERS = frozenset("ёщ")
RUSSIAN_WORDS = frozenset(
    "и в на что с по для это как из от к о а но или при также который которые которых будет будут является".split()
)
# Some words also stand for their forms typed on a Russian keyboard (жане for және, ушин for үшін).
KAZAKH_WORDS = frozenset(
    "және мен үшін бұл бар жоқ да де пен бен болып арқылы сондай қазақ туралы бойынша ол осы сол оның біз біздің "
    "болады емес ретінде бірақ немесе кейін дейін сияқты бірге жане ушин ушін бул аркылы".split()
)
# не, та and те are left out of both lists: they are common words in both languages.
_PLURAL = "лар|лер|дар|дер|тар|тер"
# A plural followed by a case or possessive ending (волонтерлерге, жастардың) is Kazakh morphology Russian never
# produces; a bare plural is counted only for -лар/-лер, because лидер, компьютер and волонтер end like -дер/-тер.
_KAZAKH_SUFFIX = re.compile(
    rf"\w\w(?:(?:{_PLURAL})(?:ға|ге|қа|ке|да|де|та|те|нда|нде|дан|ден|тан|тен|ның|нің|дың|дің|тың|тің|ды|ді|ты|ті"
    rf"|і|ын|ін|мен|ымен|імен|ымыз|іміз|дағы|дегі|тағы|тегі)|лар|лер|ның|нің|дың|дің|тың|тің|дағы|дегі|тағы|тегі)$"
)
_LETTERS_RUN = re.compile(r"[^\W\d_]+")

MIN_LETTERS = 40  # less Cyrillic than a short sentence is not enough to judge
FULL_EVIDENCE_LETTERS = 200  # below a paragraph's worth the confidence is scaled down in proportion
# Kazakh prose has 9-17% of its Cyrillic letters among ә ғ қ ң ө ұ ү һ і (5% when stuffed with loanwords),
# Russian 0-2% from quoted names. The letter vote runs from -1 at 1% to +1 at 11%, so that a text half in each
# language lands near the middle instead of reading as Kazakh.
LETTER_RUSSIAN = 0.01
LETTER_KAZAKH = 0.11
# A sixth of Kazakh prose and an eighth of Russian prose are marker words; at that rate a side's evidence is full.
KAZAKH_MARKER_RATE = 0.15
RUSSIAN_MARKER_RATE = 0.12
DECISION_MARGIN = 0.25  # |score| below this: the text is as much one language as the other
MISMATCH_CONFIDENCE = 0.5  # a declared language is questioned only on this much confidence


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None  # 'kk', 'ru' or None when undecidable
    kazakh_letter_share: float
    confidence: float  # 0..1


def _cyrillic_words(text):
    """Lower-case Cyrillic words; a Latin i typed for і inside a Cyrillic word is read as і."""
    words = []
    for run in _LETTERS_RUN.findall(lowered(text)):
        if any("\u0400" <= ch <= "\u04ff" for ch in run):
            words.append("".join(ch for ch in run.replace("i", "і") if "\u0400" <= ch <= "\u04ff"))
    return words


def _word_vote(words):
    """-1..1 from grammar: Kazakh function words and suffixes against Russian function words and letters.

    Each side is measured against the rate its prose has, so a text with neither (Kazakh typed without its
    letters, a list of loanwords) gets a weak vote rather than a confident one from one stray word.
    """
    kazakh = russian = 0
    for word in words:
        if word in KAZAKH_WORDS or _KAZAKH_SUFFIX.search(word):
            kazakh += 1
        elif word in RUSSIAN_WORDS or not RUSSIAN_LETTERS.isdisjoint(word):
            russian += 1
    if not words:
        return 0.0
    kazakh_strength = min(1.0, kazakh / (KAZAKH_MARKER_RATE * len(words)))
    return kazakh_strength - min(1.0, russian / (RUSSIAN_MARKER_RATE * len(words)))


def detect_language(text):
    """Kazakh or Russian, from two votes averaged: the share of Kazakh letters and the grammar words.

    The letters alone would call a Russian text Kazakh once it quotes enough names («Арал өңірі»), and the
    grammar alone is thin in a list of loanwords; each vote is -1 (Russian) .. +1 (Kazakh).
    """
    words = _cyrillic_words(text or "")
    letters = sum(map(len, words))
    share = sum(ch in KAZAKH_LETTERS for word in words for ch in word) / letters if letters else 0.0
    if letters < MIN_LETTERS:
        return LanguageGuess(None, share, 0.0)
    letter_vote = max(-1.0, min(1.0, 2 * (share - LETTER_RUSSIAN) / (LETTER_KAZAKH - LETTER_RUSSIAN) - 1))
    score = (letter_vote + _word_vote(words)) / 2
    confidence = round(abs(score) * min(1.0, letters / FULL_EVIDENCE_LETTERS), 3)
    if abs(score) < DECISION_MARGIN:
        return LanguageGuess(None, share, confidence)
    return LanguageGuess("kk" if score > 0 else "ru", share, confidence)


def language_mismatch(declared, text):
    """The guess when the text is confidently in the other language than the one declared, else None."""
    guess = detect_language(text)
    if guess.language and guess.language != declared and guess.confidence >= MISMATCH_CONFIDENCE:
        return guess
    return None
