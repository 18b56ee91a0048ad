"""Every message a form shows comes from our catalogues: bad values on Kazakh and Russian pages get no English."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.pofile import read_po

import grants.wtforms_messages
from grants.extensions import db
from grants.forms import Form, RowForm
from grants.reference.models import Region
from tests.conftest import login
from tests.factories import create_application, create_call, create_organization, create_user

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
LATIN = re.compile(r"[A-Za-z]")
ERRORS = re.compile(r'<p class="error"[^>]*>(.*?)</p>|<div class="flash flash-error"[^>]*>(.*?)</div>', re.S)
TAGS = re.compile(r"<[^>]+>")


class _Forms(HTMLParser):
    """The page's POST forms: (action, {name: value}) with every input a person can type in."""

    def __init__(self):
        super().__init__()
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append((a.get("action"), {}, []))
        elif not self.forms or "name" not in a:
            if tag == "option" and self._select and self._select not in self.forms[-1][1]:
                self.forms[-1][1][self._select] = a.get("value", "")
            return
        elif tag == "input" and a.get("type") in ("hidden", "submit", "file"):
            if a.get("type") == "hidden":
                self.forms[-1][1][a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            return
        elif tag in ("input", "textarea"):
            self.forms[-1][2].append(a["name"])
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def bad_post(client, url, value):
    """POST the page's biggest form with every typed field set to `value`; the error messages shown."""
    page = client.get(url)
    assert page.status_code == 200, url
    parser = _Forms()
    parser.feed(page.get_data(as_text=True))
    action, fixed, typed = max(parser.forms, key=lambda f: len(f[2]))
    response = client.post(action or url, data={**fixed, **{name: value for name in typed}})
    assert response.status_code < 500, (url, value)
    html = response.get_data(as_text=True)
    return [" ".join(TAGS.sub(" ", a or b).split()) for a, b in ERRORS.findall(html)]


def pages():
    """(user, URL) of the forms people type numbers, dates and text into."""
    applicant = create_user("applicant")
    application = create_application(owner=applicant)
    org = application.organization
    operator = create_user("operator")
    draft = create_call(published=False, topics=0, actor=operator)
    call = create_call(actor=operator)
    admin = create_user("admin")
    region = db.session.execute(sa.select(Region).where(Region.kato == "750000000")).scalar_one()
    return [
        (applicant, f"/applications/{application.id}/edit"),
        (applicant, f"/organizations/{org.id}/edit"),
        (create_user("applicant"), "/organizations/register"),
        (operator, "/manage/calls/new"),
        (operator, f"/manage/calls/{draft.id}/topics/new"),
        (operator, f"/manage/calls/{call.id}/scoring"),
        (operator, f"/manage/calls/{call.id}/criteria/new"),
        (operator, "/manage/experts/new"),
        (admin, "/admin/users/new"),
        (admin, "/admin/reference/mrp/new"),
        (admin, f"/admin/reference/regions/{region.id}"),
    ]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_bad_values_in_every_form_get_messages_in_the_pages_language(app, lang):
    create_organization()  # the register page needs none, but the reference data must be there
    english = []
    for user, url in pages():
        client = app.test_client()
        login(client, user.email)
        client.get(f"/?lang={lang}")
        shown = []
        for value in ("abc", "-1", "99999999999999999", "0", ""):
            shown += bad_post(client, url, value)
        assert shown, f"{url}: bad values gave no message at all"
        english += [(url, m) for m in shown if LATIN.search(m) and not CYRILLIC.search(m)]
    assert not english, english


def test_every_form_reads_its_messages_from_our_catalogues(app):
    """Flask-WTF translates only top-level forms, from WTForms' bundled files; a table's rows
    (plain wtforms.Form) spoke English. Every form of the platform derives from ours."""
    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    ours = [c for c in all_subclasses(wtforms.Form) if c.__module__.split(".")[0] in ("grants", "scoring", "reports")]
    assert len(ours) > 30
    strays = [f"{c.__module__}.{c.__name__}" for c in ours if not issubclass(c, (Form, RowForm))]
    assert not strays, strays


def test_our_catalogues_hold_every_message_of_the_installed_wtforms():
    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with open(pot, "rb") as f:
        theirs = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    listed = {m if isinstance(m, str) else m[0] for m in grants.wtforms_messages.MESSAGES}
    assert theirs <= listed, sorted(theirs - listed)
    for lang in ("kk", "ru"):
        with open(ROOT / "grants" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            ours = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_po(f, locale=lang)}
        untranslated = [m for m in theirs if not ours.get(m) or not all(ours[m] if isinstance(ours[m], tuple)
                                                                        else [ours[m]])]
        assert not untranslated, (lang, untranslated)
