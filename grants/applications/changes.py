"""What changed between two submitted versions of an application, block by block, the changed words marked.

Each block of the form is read as plain lines of text in the page's language (a table row per line: an
activity with its months and result, a budget line with its quantity, cost and total), and the two versions' words
are compared with difflib. A reader sees the later version whole, with what the earlier one said struck through
and what is new marked."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup, escape

from grants.appforms.blocks import blocks
from grants.i18n import _, format_money

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class Change:
    label: str
    changed: bool
    marked: Markup = field(default_factory=Markup)  # the later text, the earlier words in <del>, new in <ins>


def _money(value):
    return format_money(Decimal(str(value))) if value not in (None, "") else ""


def _lines(block, content):
    """The block's answer in a version as lines of text."""
    kind, lang = block.kind, content.get("language")
    if kind == "plan":
        return [f"{a.get('activity', '')} · {a.get('start_month')}–{a.get('end_month')} · {a.get('output', '')}"
                for a in content.get("activities") or ()]
    if kind == "indicators":
        return [" · ".join(str(x) for x in (i.get("year") or "", i.get("name"), i.get("unit"),
                                            f"{i.get('baseline')} → {i.get('target')}") if x != "")
                for i in content.get("indicators") or ()]
    if kind == "budget":
        return [f"{b.get('item')} · {b.get('unit')} · {b.get('quantity')} × {_money(b.get('unit_cost'))} = "
                f"{_money(b.get('total'))}" for b in content.get("budget") or ()]
    if kind == "partners":
        return [f"{p.get('number')} · {p.get('name')} · {p.get('role', '')}" for p in content.get("partners") or ()]
    if kind == "offer":
        return [f"{o.get('service_' + (lang or 'ru'))} · {o.get('approach', '')} · {o.get('volume')} × "
                f"{_money(o.get('unit_price'))}" for o in content.get("offer") or ()]
    value = (content.get("sections") or {}).get(block.code)
    if kind == "table":
        return [" · ".join(c.display(row.get(c.code)) for c in block.columns) for row in value or ()]
    if kind == "document":
        return [f"{d.get('filename')} (SHA-256 {d.get('sha256', '')[:12]}…)" for d in content.get("documents") or ()
                if d.get("kind") == block.code]
    return [block.display(value)] if not block.empty(value) else []


def mark(before, after):
    """The later text with the earlier words struck through (<del>) and the new ones marked (<ins>), escaped."""
    from difflib import SequenceMatcher

    old, new = TOKEN.findall(before), TOKEN.findall(after)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            out.append(Markup('<del><span class="visually-hidden">{}</span>{}</del>').format(
                _("removed:"), "".join(old[i1:i2])))
        if j2 > j1:
            out.append(Markup('<ins><span class="visually-hidden">{}</span>{}</ins>').format(
                _("added:"), "".join(new[j1:j2])))
    return Markup("").join(out)


def compare(before, after, definition=None):
    """[Change] for the title and each block of the later version's form (or `definition`, for a version made before
    forms were kept with it), in its order."""
    title_before, title_after = before.get("title") or "", after.get("title") or ""
    found = [Change(_("Title"), title_before != title_after, mark(title_before, title_after))]
    for block in blocks(after.get("form") or definition):
        old = "\n".join(_lines(block, before))
        new = "\n".join(_lines(block, after))
        found.append(Change(block.label, old != new, mark(old, new)))
    return found
