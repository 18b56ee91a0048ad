"""What a person types, read as words or as a number: the words cut to their stems, the same on both databases.

Kazakh has no stemmer in either database and adds its endings one after another (бала-лар-ға); Russian changes its
endings (школ-а, школ-ами). A word is matched by its stem as a prefix — «балаларға» and «балалар» both by «бала»,
«школами» by «школ» — and, on PostgreSQL, also by the Russian stemmer and by trigrams inside longer words.
"""

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
MAX_QUERY = 200
MAX_WORDS = 8
MIN_STEM = 4  # a stem never shorter than this: «бала» stays, not «бал»
WORD = re.compile(r"\w+", re.U)
# A receipt, an agreement or a call number: letters and digits joined by - / . with at least one digit; a BIN is
# twelve digits.
NUMBER = re.compile(r"^(?=.*\d)[\w]+(?:[-/.][\w]+)*$", re.U)

# Endings, longest first within each language. Kazakh's are taken off one after another (case after plural after
# possessive), Russian's once.
KAZAKH = sorted((
    "лар", "лер", "дар", "дер", "тар", "тер",  # plural
    "ға", "ге", "қа", "ке", "на", "не", "а", "е",  # dative
    "да", "де", "та", "те", "нда", "нде",  # locative
    "дан", "ден", "тан", "тен", "нан", "нен", "ндан", "нден",  # ablative
    "ның", "нің", "дың", "дің", "тың", "тің",  # genitive
    "ды", "ді", "ты", "ті", "ны", "ні", "н",  # accusative
    "мен", "бен", "пен",  # instrumental
    "сы", "сі", "ы", "і", "ым", "ім", "ың", "ің", "мыз", "міз", "сыз", "сіз",  # possessive
    "лық", "лік", "дық", "дік", "тық", "тік",  # -ness
), key=len, reverse=True)
RUSSIAN = sorted((
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "иям", "иях", "ием", "ать", "ять", "ить",
    "ах", "ях", "ам", "ям", "ом", "ем", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю",
    "ов", "ев", "ию", "ия", "ии", "ие",
    "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
), key=len, reverse=True)


def normalise(text):
    """Lower case, ё as е, no control characters (a snippet marks its matches with two): how the index keeps
    words and how they are asked for."""
    return CONTROL.sub(" ", (text or "").lower().replace("ё", "е"))


def _strip(word, endings):
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def stem(word):
    """The shortest of the word's Russian stem and its Kazakh one (every Kazakh ending taken off in turn)."""
    kazakh = word
    for _ in range(4):
        shorter = _strip(kazakh, KAZAKH)
        if shorter == kazakh:
            break
        kazakh = shorter
    return min(kazakh, _strip(word, RUSSIAN), key=len)


def words(query):
    """The query's words worth looking for (two letters or more), at most MAX_WORDS."""
    return [w for w in WORD.findall(normalise(query)) if len(w) >= 2][:MAX_WORDS]


def as_number(query):
    """The query as a number to find exactly (a BIN, a receipt, an agreement's or a call's number), or None."""
    query = (query or "").strip()
    return query.upper() if NUMBER.match(query) else None
