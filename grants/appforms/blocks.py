"""A call's application form as data: an ordered list of blocks the operator builds.

A definition is a list of plain dicts (JSON on the call, copied into every submitted version), one per
block: ``{"code", "kind", "label": {"kk", "ru", "en"}, "hint": {...}, "required", ...limits}``.
`Block` reads one; `check_definition` says everything wrong with a definition at once. The answers of
value blocks are kept in ``Application.sections`` under the block's code; the structured blocks (plan,
indicators, budget, partners, offer) keep their rows in their own tables, and a document slot's files are the
application's documents whose ``kind`` is the slot's code.

One piece although long: the kinds, their checks, and how each keeps and reads back its answer are one table
of rules, and a new kind is added here in every one of them at once.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from flask_babel import get_locale

from grants.i18n import _, _l, format_money

LANGUAGES = ("kk", "ru", "en")

# Blocks whose answer is one value (or a list of rows) kept under its code in Application.sections.
TEXT_KINDS = ("long_text", "short_text")
VALUE_KINDS = TEXT_KINDS + ("number", "money", "date", "choice", "multi_choice", "yes_no", "table")
# Blocks with rows of their own tables; each appears at most once in a form. The offer answers each service
# of a state social order topic's technical specification with a volume and a price.
STRUCTURED_KINDS = ("plan", "indicators", "budget", "partners", "offer")
KINDS = VALUE_KINDS + STRUCTURED_KINDS + ("document",)

KIND_TITLES = {
    "long_text": _l("Long text"),
    "short_text": _l("Short text"),
    "number": _l("Whole number"),
    "money": _l("Amount in tenge"),
    "date": _l("Date"),
    "choice": _l("One choice"),
    "multi_choice": _l("Several choices"),
    "yes_no": _l("Yes or no"),
    "table": _l("Table"),
    "plan": _l("Calendar plan"),
    "indicators": _l("Indicators"),
    "budget": _l("Budget"),
    "partners": _l("Project partners"),
    "offer": _l("Offer on the technical specification"),
    "document": _l("Document slot"),
}

COLUMN_TYPES = ("text", "number", "money", "date")
COLUMN_TITLES = {"text": _l("Text"), "number": _l("Whole number"), "money": _l("Amount in tenge"),
                 "date": _l("Date")}
FILE_TYPES = ("pdf", "docx", "xlsx", "jpg", "png")

# The application form's own fields: a block's code may not take their names.
RESERVED = frozenset({"title", "language", "language_confirmed", "duration_months", "revision", "activities",
                      "indicators", "budget", "partners", "offer", "then", "csrf_token", "submit"})
CODE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")

# The limits a block may set, with the widest range the platform accepts.
LIMITS = {
    "long_text": {"max_length": (1, 50000, 5000)},
    "short_text": {"max_length": (1, 400, 200)},
    "number": {"min": (0, 10**9, 0), "max": (0, 10**9, 10**8)},
    "money": {"max": (1, 10**12, 10**9)},
    "table": {"max_rows": (1, 100, 20)},
    "document": {"min": (0, 20, 0), "max": (1, 20, 5), "max_mb": (1, 50, 20)},
    # More than one: a budget (or indicators) for each year, and an agreement with a tranche a year.
    "budget": {"years": (1, 5, 1)},
    "indicators": {"years": (1, 5, 1)},
}
# What a text block may be filled in with from the NGO's profile when an application is started.
PREFILL = {
    "name": _l("The NGO's name"),
    "head_name": _l("The head's name"),
    "address": _l("The NGO's address"),
    "phone": _l("The NGO's phone"),
    "email": _l("The NGO's e-mail"),
    "region": _l("The NGO's region"),
}
MAX_OPTIONS = 30
MAX_COLUMNS = 8
MAX_BLOCKS = 80
DATE_YEARS = (1900, 2100)


def localized(texts, lang=None):
    """A {kk, ru, en} text in the page's language, else Russian, else Kazakh."""
    texts = texts or {}
    lang = lang or str(get_locale() or "kk")
    return texts.get(lang) or texts.get("ru") or texts.get("kk") or ""


class Block:
    """One block of a definition, read-only, with its limits filled in from the defaults."""

    def __init__(self, data):
        self.data = data
        self.code = data["code"]
        self.kind = data["kind"]
        self.required = bool(data.get("required"))

    def __repr__(self):
        return f"<Block {self.code} {self.kind}>"

    @property
    def label(self):
        return localized(self.data.get("label"))

    @property
    def hint(self):
        return localized(self.data.get("hint"))

    def limit(self, name):
        value = self.data.get(name)
        value = LIMITS[self.kind][name][2] if value is None else value
        if self.kind == "document" and name == "min" and self.required:
            return max(value, 1)  # a required slot asks for a file even when its fewest is left at 0
        return value

    @property
    def is_value(self):
        return self.kind in VALUE_KINDS

    @property
    def is_text(self):
        return self.kind in TEXT_KINDS

    @property
    def options(self):
        return [(o["code"], localized(o.get("label"))) for o in self.data.get("options") or ()]

    def option_label(self, code):
        return dict(self.options).get(code, code)

    @property
    def columns(self):
        return [Column(c) for c in self.data.get("columns") or ()]

    @property
    def file_types(self):
        return tuple(self.data.get("types") or FILE_TYPES)

    def empty(self, value):
        """Whether an answer counts as not given, for a required block."""
        if self.kind == "yes_no":
            return value is None
        return value in (None, "", [], {})

    def display(self, value):
        """An answer as a person reads it (a table is drawn by the page, row by row)."""
        if self.empty(value):
            return ""
        if self.kind == "money":
            return format_money(Decimal(value))
        if self.kind == "number":
            return format_decimal(value, locale=str(get_locale() or "kk"))
        if self.kind == "date":
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        if self.kind == "choice":
            return self.option_label(value)
        if self.kind == "multi_choice":
            return "; ".join(self.option_label(v) for v in value)
        if self.kind == "yes_no":
            return _("Yes") if value else _("No")
        return str(value)

    def text(self, value):
        """The prose an answer holds, for the language check and text similarity."""
        if self.is_text:
            return value or ""
        if self.kind == "table":
            return "\n".join(str(row.get(c.code) or "") for row in value or () for c in self.columns
                             if c.type == "text")
        return ""


class Column:
    def __init__(self, data):
        self.data = data
        self.code, self.type = data["code"], data.get("type", "text")

    @property
    def label(self):
        return localized(self.data.get("label"))

    def display(self, value):
        if value in (None, ""):
            return ""
        if self.type == "money":
            return format_money(Decimal(value))
        if self.type == "date":
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        return str(value)


def blocks(definition):
    return [Block(b) for b in definition or ()]


def value_blocks(definition):
    return [b for b in blocks(definition) if b.is_value]


def has(definition, kind):
    return any(b["kind"] == kind for b in definition or ())


def years(definition, kind):
    """How many years the form's budget (or indicators) is planned by; 1 for a single plan or none."""
    block = next((b for b in blocks(definition) if b.kind == kind), None)
    return block.limit("years") if block is not None else 1


def slots(definition):
    """The document slots, in form order."""
    return [b for b in blocks(definition) if b.kind == "document"]


def slot(definition, code):
    return next((b for b in slots(definition) if b.code == code), None)


def prefilled(definition, organization, language):
    """The answers a new application starts with, from its NGO's profile, for the blocks that ask for them."""
    values = {"name": organization.name_kk if language == "kk" else organization.name_ru,
              "head_name": organization.head_name, "address": organization.address, "phone": organization.phone,
              "email": organization.email, "region": organization.region.name_kk if language == "kk"
              else organization.region.name_ru}
    return {b.code: (values.get(b.data["prefill"]) or "")[: b.limit("max_length")]
            for b in blocks(definition) if b.is_text and b.data.get("prefill") in PREFILL}


def form_text(definition, sections):
    """Every text answer of the form, in form order."""
    sections = sections or {}
    return [t for b in value_blocks(definition) if (t := b.text(sections.get(b.code)))]


# Checking a definition ---------------------------------------------------------------------------------


def _texts_problems(where, texts, what, required=True):
    """A label's (or hint's) problems; each message is a whole sentence, as Kazakh grammar needs."""
    texts = texts if isinstance(texts, dict) else {}
    found = []
    if required:
        for lang in ("kk", "ru"):
            value = texts.get(lang)
            if not (isinstance(value, str) and value.strip()):
                found.append(_("%(where)s: give the label in Kazakh.", where=where) if lang == "kk"
                             else _("%(where)s: give the label in Russian.", where=where))
    for lang in LANGUAGES:
        value = texts.get(lang)
        if value is not None and not isinstance(value, str):
            found.append(_("%(where)s: a label or a hint must be text.", where=where))
        elif isinstance(value, str) and len(value) > 2000:
            found.append(_("%(where)s: the label is longer than %(n)d characters.", where=where, n=2000)
                         if what == "label" else
                         _("%(where)s: the hint is longer than %(n)d characters.", where=where, n=2000))
    return found


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def block_problems(data, n=None):
    """Everything wrong with one block, in words the operator can act on."""
    where = _("Block %(n)d", n=n) if n else _("The block")
    if not isinstance(data, dict):
        return [_("%(where)s is not a block.", where=where)]
    kind, code = data.get("kind"), data.get("code")
    if kind not in KINDS:
        return [_("%(where)s: unknown kind of block.", where=where)]
    found = []
    if not isinstance(code, str) or not CODE.match(code):
        found.append(_("%(where)s: the code is 2 to 16 small Latin letters, digits or underscores, beginning "
                       "with a letter.", where=where))
    elif kind in VALUE_KINDS and code in RESERVED:
        found.append(_("%(where)s: the code “%(code)s” is taken by the form itself; choose another.",
                       where=where, code=code))
    found += _texts_problems(where, data.get("label"), "label")
    found += _texts_problems(where, data.get("hint") or {}, "hint", required=False)
    if "required" in data and not isinstance(data["required"], bool):
        found.append(_("%(where)s: “required” is yes or no.", where=where))
    for name, (low, high, _default) in LIMITS.get(kind, {}).items():
        value = data.get(name)
        if value is not None and not (_whole(value) and low <= value <= high):
            found.append(_("%(where)s: the limit must be a whole number from %(low)d to %(high)d.", where=where,
                           low=low, high=high))
    if kind == "number" and _whole(data.get("min")) and _whole(data.get("max")) and data["min"] > data["max"]:
        found.append(_("%(where)s: the smallest number is above the largest.", where=where))
    if data.get("prefill") is not None and (kind not in TEXT_KINDS or data["prefill"] not in PREFILL):
        found.append(_("%(where)s: only a text is filled in from the profile, with one of its fields.", where=where))
    if kind == "document":
        low, high = data.get("min", 0), data.get("max", LIMITS["document"]["max"][2])
        if _whole(low) and _whole(high) and low > high:
            found.append(_("%(where)s: more files are required than allowed.", where=where))
        types = data.get("types")
        if types is not None and (not isinstance(types, list) or not types or any(t not in FILE_TYPES
                                                                                    for t in types)):
            found.append(_("%(where)s: choose the kinds of file from: %(types)s.", where=where,
                           types=", ".join(FILE_TYPES)))
    if kind in ("choice", "multi_choice"):
        options = data.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            found.append(_("%(where)s: give from 2 to %(n)d options.", where=where, n=MAX_OPTIONS))
        else:
            found += _items_problems(where, options, "option")
    if kind == "table":
        columns = data.get("columns")
        if not isinstance(columns, list) or not 1 <= len(columns) <= MAX_COLUMNS:
            found.append(_("%(where)s: give from 1 to %(n)d columns.", where=where, n=MAX_COLUMNS))
        else:
            found += _items_problems(where, columns, "column")
            if any(isinstance(c, dict) and c.get("type", "text") not in COLUMN_TYPES for c in columns):
                found.append(_("%(where)s: a column is text, a whole number, an amount or a date.", where=where))
    return found


def _items_problems(where, items, noun):
    found, seen = [], set()
    for i, item in enumerate(items, start=1):
        place = _("%(where)s, option %(n)d", where=where, n=i) if noun == "option" else \
            _("%(where)s, column %(n)d", where=where, n=i)
        if not isinstance(item, dict):
            found.append(_("%(where)s is not filled in.", where=place))
            continue
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            found.append(_("%(where)s: the code is 2 to 16 small Latin letters, digits or underscores, "
                           "beginning with a letter.", where=place))
        elif code in seen:
            found.append(_("%(where)s: the code “%(code)s” is used twice.", where=place, code=code))
        seen.add(code)
        found += _texts_problems(place, item.get("label"), "label")
    return found


def check_definition(definition):
    """Every problem of a whole form, all at once; an empty list when it can be used."""
    if not isinstance(definition, list):
        return [_("The form is not a list of blocks.")]
    if not definition:
        return [_("The form has no blocks: add at least one.")]
    if len(definition) > MAX_BLOCKS:
        return [_("A form holds at most %(n)d blocks.", n=MAX_BLOCKS)]
    found, codes = [], {}
    for n, data in enumerate(definition, start=1):
        found += block_problems(data, n)
        if not isinstance(data, dict):
            continue
        code = data.get("code")
        if isinstance(code, str) and code in codes:
            found.append(_("Block %(n)d: the code “%(code)s” is already used by block %(first)d.", n=n, code=code,
                           first=codes[code]))
        codes.setdefault(code, n)
    for kind in STRUCTURED_KINDS:
        if sum(1 for b in definition if isinstance(b, dict) and b.get("kind") == kind) > 1:
            found.append(_("The form has “%(kind)s” twice; it may have it once.", kind=KIND_TITLES[kind]))
    return found


# Reading answers -----------------------------------------------------------------------------------------


def stored(block, value):
    """A value as the form read it, as it is kept in JSON (money as a string, a date in ISO form)."""
    if block.kind in TEXT_KINDS:
        return (value or "").strip()[: block.limit("max_length")]
    if block.kind == "money":
        return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))
    if block.kind == "date":
        return None if value is None else value.isoformat()
    if block.kind == "yes_no":
        return {"yes": True, "no": False}.get(value)
    if block.kind == "choice":
        return value or None
    if block.kind == "multi_choice":
        return list(value or [])
    if block.kind == "table":
        return [_stored_row(block, row) for row in value or ()]
    return value


def _stored_row(block, row):
    out = {}
    for column in block.columns:
        value = row.get(column.code)
        if column.type == "money" and value is not None:
            value = str(Decimal(value).quantize(Decimal("0.01")))
        elif column.type == "date" and value is not None:
            value = value.isoformat()
        elif column.type == "text":
            value = (value or "").strip()
        out[column.code] = value
    return out


def form_value(block, value):
    """A kept answer as the form field's data (the reverse of `stored`)."""
    if value is None:
        return None
    try:
        if block.kind == "money":
            return Decimal(value)
        if block.kind == "date":
            return date.fromisoformat(value)
        if block.kind == "yes_no":
            return "yes" if value else "no"
        if block.kind == "table":
            return [{c.code: form_value_column(c, row.get(c.code)) for c in block.columns} for row in value]
    except (InvalidOperation, ValueError, TypeError, AttributeError):
        return None  # an answer kept under another kind of block before a correction
    return value


def form_value_column(column, value):
    if value in (None, ""):
        return None if column.type != "text" else ""
    if column.type == "money":
        return Decimal(value)
    if column.type == "date":
        return date.fromisoformat(value)
    return value
