"""The interface in Kazakh, Russian and English: whole catalogues, switching, formats."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from grants.i18n import format_datetime, format_money
from tests.conftest import login, translated
from tests.factories import create_user

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "grants" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def key(msgid):
    """A plural message's id is (singular, plural): it is known by its singular."""
    return msgid if isinstance(msgid, str) else msgid[0]


def forms(text):
    return [text] if isinstance(text, str) else list(text)


def catalogue(lang):
    with open(CATALOGUES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_catalogue_is_whole_with_the_same_placeholders(lang):
    cat = catalogue(lang)
    missing = [key(m.id) for m in cat if m.id and not all(forms(m.string))]
    fuzzy = [key(m.id) for m in cat if m.id and m.fuzzy]
    assert not missing, f"untranslated in {lang}: {missing[:5]}"
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy[:5]}"
    for m in cat:
        if m.id:
            expected = sorted(PLACEHOLDER.findall(forms(m.id)[-1]))
            for text in forms(m.string):
                assert sorted(PLACEHOLDER.findall(text)) == expected, m.id


def test_catalogues_hold_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "pgettext:1c,2", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as f:
        in_code = {key(m.id) for m in read_po(f) if m.id}
    for lang in ("kk", "ru", "en"):
        known = {key(m.id) for m in catalogue(lang) if m.id}
        assert not in_code - known, f"run `make messages`: {lang} lacks {sorted(in_code - known)[:5]}"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_home_page_speaks_the_chosen_language(client, lang):
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert translated(lang, "Grants, social order and awards for NGOs of Kazakhstan") in page
    # the choice sticks for the next page without the parameter
    assert f'<html lang="{lang}">' in client.get("/auth/login").get_data(as_text=True)


def test_kazakh_is_offered_first_to_a_visitor_with_no_preference(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="kk">' in page
    assert page.index("Қазақша") < page.index("Русский") < page.index("English")


def test_browser_language_is_used_before_kazakh(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_unknown_locale_is_a_400_with_a_message_in_the_current_language(client):
    client.get("/?lang=ru")
    response = client.get("/?lang=de")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert translated("ru", "The language “%(lang)s” is not available. Choose Kazakh, Russian or English.",
                      lang="de") in page


def test_language_choice_is_remembered_per_user(app):
    create_user("applicant", email="aigul@example.kz")
    first = app.test_client()
    login(first, "aigul@example.kz")
    first.get("/?lang=en")
    second = app.test_client()
    login(second, "aigul@example.kz")
    assert '<html lang="en">' in second.get("/").get_data(as_text=True)


def test_language_switch_keeps_the_page_and_its_query(app, client):
    create_user("admin", email="root@example.kz")
    login(client, "root@example.kz")
    page = client.get("/admin/users/?q=root").get_data(as_text=True)
    assert "/admin/users/?q=root&amp;lang=ru" in page


def test_money_is_tenge_with_the_locales_separators(app):
    amount = Decimal("1234567.5")
    with app.test_request_context():
        with force_locale("ru"):
            assert format_money(amount) == "1\u00a0234\u00a0567,50\u00a0₸"
        with force_locale("kk"):
            assert format_money(amount) == "1\u00a0234\u00a0567,50\u00a0₸"
        with force_locale("en"):
            assert format_money(amount) == "1,234,567.50\u00a0₸"


def test_times_are_shown_in_astana_time(app):
    moment = datetime(2026, 3, 20, 13, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("ru"):
        assert format_datetime(moment) == "20.03.2026 18:00"
        with pytest.raises(ValueError):
            format_datetime(datetime(2026, 3, 20, 13, 0))
