"""The catalogues speak the glossary: its terms, no suffix glued to a number, no Cyrillic in English, contexts."""

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "grants" / "translations"
TERMS = json.loads((Path(__file__).with_name("glossary_terms.json")).read_text(encoding="utf-8"))

# Kazakh case, possessive and ordinal endings: after a number their form follows the number's last sound
# (50-ден, 70-тен, 2-сі, 6-сы), so a fixed one after a placeholder is wrong for some values.
KK_SUFFIX = re.compile(
    r"%\(\w+\)[sd]-(ы|і|сы|сі|ын|ін|сын|сін|ны|ні|ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|а|е|да|де|та|те|нда|нде"
    r"|дан|ден|тан|тен|нан|нен|мен|бен|пен|ды|ді|ты|ті|шы|ші|ншы|нші|дағы|дегі|тағы|тегі|лар|лер|дар|дер|тар|тер)"
    r"(?![\w])"
)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def catalogue(lang, root=CATALOGUES):
    with open(root / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return [m for m in read_po(f, locale=lang) if m.id]


def texts(value):
    return [value] if isinstance(value, str) else [t for t in value if t]


def msgid(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def broken(rule, lang, root=CATALOGUES):
    """Entries of lang's catalogue that render the rule's term other than the glossary says."""
    pattern = re.compile(rule["forbidden"])
    when = re.compile(rule["when_msgid"]) if "when_msgid" in rule else None
    found = []
    for m in catalogue(lang, root):
        if m.context in rule.get("except_context", ()):
            continue
        if when and not any(when.search(i) for i in texts(m.id)):
            continue
        if "unless_msgid" in rule and any(re.search(rule["unless_msgid"], i) for i in texts(m.id)):
            continue  # the sentence speaks of the other meaning too (a protocol approved, experts assigned)
        checked = texts(m.string) + (texts(m.id) if lang == "en" else [])
        if any(pattern.search(t) for t in checked):
            found.append((m.context, msgid(m), m.string))
    return found


@pytest.mark.parametrize("rule", TERMS["forbidden"], ids=lambda r: f"{r['lang']}:{r['forbidden'][:30]}")
def test_glossary_terms_are_rendered_as_the_glossary_says(rule):
    found = broken(rule, rule["lang"])
    assert not found, f"{rule['says']}: {found[:5]}"


def test_the_rule_checker_finds_a_broken_entry(tmp_path):
    """The checker itself: a catalogue with a forbidden rendering is caught."""
    po = tmp_path / "kk" / "LC_MESSAGES"
    po.mkdir(parents=True)
    (po / "messages.po").write_text('msgid ""\nmsgstr ""\n\nmsgid "Assign experts"\nmsgstr "Сарапшыларды бекіту"\n',
                                    encoding="utf-8")
    rule = next(r for r in TERMS["forbidden"] if r["lang"] == "kk" and r.get("when_msgid") == "(?i)assign")
    assert broken(rule, "kk", tmp_path) == [(None, "Assign experts", "Сарапшыларды бекіту")]


@pytest.mark.parametrize("entry", TERMS["required"], ids=lambda e: e["msgid"])
def test_glossary_words_of_the_badges(entry):
    for lang in ("kk", "ru"):
        found = [m.string for m in catalogue(lang) if m.context == entry["context"] and msgid(m) == entry["msgid"]]
        assert found == [entry[lang]], (lang, entry["msgid"], found)


def test_no_fixed_suffix_follows_a_number_placeholder_in_kazakh():
    glued = [(msgid(m), t) for m in catalogue("kk") for t in texts(m.string) if KK_SUFFIX.search(t)]
    assert not glued, f"rephrase so no suffix follows the number: {glued[:5]}"


def test_the_suffix_check_tells_a_suffix_from_an_ordinal_noun():
    for wrong in ("%(threshold)s-тан төмен", "өтінімдердің %(n)d-і бойынша", "%(n)d-ін оператор", "%(limit)s-нан"):
        assert KK_SUFFIX.search(wrong), wrong
    for right in ("%(n)s-есеп қабылданды", "%(n)s-бет", "%(n)d-транштың", "%(n)s-тақырып",
                  "балы %(threshold)s шегінен"):
        assert not KK_SUFFIX.search(right), right


def test_english_has_no_cyrillic():
    found = [(msgid(m), m.string) for m in catalogue("en")
             if any(CYRILLIC.search(t) for t in texts(m.id) + texts(m.string))]
    assert not found, found[:5]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_status_words_always_have_a_context(lang):
    """One English status word serves nouns of different gender: each use names its noun in a context."""
    words = set(TERMS["status_words"])
    bare = sorted(msgid(m) for m in catalogue(lang) if not m.context and msgid(m) in words)
    assert not bare, f"give these a pgettext context: {bare}"


def test_each_noun_gets_its_own_russian_form():
    """Russian agrees with the noun: заявка подана, оценочный лист подан, отчет возвращен, выезд отменен."""
    from grants.agreements.models import AgreementStatus
    from grants.applications.models import Status
    from grants.monitoring.models import ReportStatus, VisitStatus
    from scoring.commission.models import MeetingState
    from scoring.sheets.models import SheetState

    with force_locale("ru"):
        assert str(Status.submitted.title) == "Подана"
        assert str(SheetState.submitted.title) == "Подан"
        assert str(Status.returned.title) == "Возвращена на доработку"
        assert str(ReportStatus.returned.title) == "Возвращен на доработку"
        assert str(VisitStatus.planned.title) == "Запланирован"
        assert str(VisitStatus.cancelled.title) == "Отменен"
        assert str(MeetingState.planned.title) == "Запланировано"
        assert str(AgreementStatus.active.title) == "Действует"
    with force_locale("kk"):
        assert str(VisitStatus.cancelled.title) == "Тоқтатылды"
        assert str(AgreementStatus.active.title) == "Күшінде"
    with force_locale("en"):
        assert str(AgreementStatus.active.title) == "In force"
