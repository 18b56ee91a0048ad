"""Decision letters the operator writes once per outcome and language, filled in for each application decided.

A letter names its fields in braces — {ngo}, {receipt}, {title}, {call}, {link} on every outcome, and those of its
outcome: {reasons}, {comment}, {deadline} at the eligibility check — and nothing else: a field the outcome does not
have is refused when the letter is saved, so an NGO never receives a letter with a hole in it. Without a letter for
an outcome and language, the platform's own is sent.

The eligibility check's outcomes are the core's. A package above the core adds its own decisions' outcomes to its
app (`add_to(app, kind)`), each with its fields and an example to fill them with, and sends through `deliver`."""

from dataclasses import dataclass, field
from string import Formatter

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from grants import audit, mail
from grants.applications.models import Outcome
from grants.extensions import db
from grants.i18n import _, _l, format_datetime
from grants.letters.models import LetterTemplate
from grants.reference.models import ReasonCode
from grants.refusals import Refusal

LANGUAGES = ("kk", "ru")
MAX_SUBJECT, MAX_BODY = 200, 10000
EXTENSION = "baiqau.letters"  # in app.extensions: the packages' outcomes
COMMON = {
    "ngo": _l("the NGO's name in the letter's language"),
    "receipt": _l("the application's receipt number"),
    "title": _l("the project's title"),
    "call": _l("the call's code and title"),
    "link": _l("the address of the application on the platform"),
}
FIELDS = {  # the eligibility check's
    **COMMON,
    "reasons": _l("the reasons chosen at the check, one per line, in the letter's language"),
    "comment": _l("the operator's comment at the check"),
    "deadline": _l("the date and time by which a returned application is submitted again (Astana time)"),
}
# What a letter's preview is filled with: an example, never a real NGO's words.
EXAMPLE = {
    "kk": {"ngo": "«Мысал» қоғамдық бірлестігі", "receipt": "2026-MCI-01-00001", "title": "Еріктілер клубы",
           "call": "2026-MCI-01 «Азаматтық қоғам институттарын дамыту»", "link": "https://baiqau.kz/applications/1"},
    "ru": {"ngo": "Общественное объединение «Пример»", "receipt": "2026-MCI-01-00001", "title": "Клуб волонтеров",
           "call": "2026-MCI-01 «Развитие институтов гражданского общества»",
           "link": "https://baiqau.kz/applications/1"},
}
CHECK_EXAMPLE = {
    "kk": {"reasons": "— Бюджет тақырыптың шегінен асады", "comment": "Шығыстар сметасын нақтылаңыз.",
           "deadline": "12.12.2026 18:00"},
    "ru": {"reasons": "— Бюджет превышает предел темы", "comment": "Уточните смету расходов.",
           "deadline": "12.12.2026 18:00"},
}


@dataclass(frozen=True)
class Kind:
    """An outcome a letter is written for: its key, its title and the heading it is listed under (callables, read
    in the reader's language), its fields {name: meaning} and an example {language: {name: value}} of them."""

    key: str
    title: object
    group: object
    fields: dict
    example: dict = field(default_factory=dict)

    def sample(self, language):
        return _Filled({**EXAMPLE[language], **self.example.get(language, {})})


class _Filled(dict):
    """A letter's values: a field the outcome no longer has reads as nothing rather than failing the sending."""

    def __missing__(self, key):
        return ""


def _check_kind(outcome):
    return Kind(outcome.value, lambda: outcome.title, lambda: _("Eligibility check"), FIELDS, CHECK_EXAMPLE)


CORE = [_check_kind(o) for o in Outcome]


def add_to(app, kind):
    """A package's outcome, listed on its app's letters page after the core's."""
    app.extensions.setdefault(EXTENSION, []).append(kind)


def kinds():
    return [*CORE, *current_app.extensions.get(EXTENSION, [])]


def kind_of(key):
    """The outcome registered under the key, or None."""
    return next((k for k in kinds() if k.key == key), None)


class LetterError(Refusal):
    pass


def template_for(outcome, language):
    return db.session.get(LetterTemplate, (str(outcome), language))


def all_templates():
    query = sa.select(LetterTemplate).options(selectinload(LetterTemplate.updated_by))  # a constant number of queries
    return {(t.outcome, t.language): t for t in db.session.execute(query).scalars()}


def _check(text, kind):
    try:
        names = [name for _lit, name, _spec, _conv in Formatter().parse(text) if name is not None]
    except ValueError:
        raise LetterError(_("A brace is not closed: write a field as {receipt}, and a brace itself as {{ or }}.")) \
            from None
    known = {name for k in kinds() for name in k.fields}
    unknown = sorted({n for n in names if n not in known})
    if unknown:
        raise LetterError(_("The letter names fields the platform does not know: %(names)s.",
                            names=", ".join("{" + n + "}" for n in unknown)))
    elsewhere = sorted({n for n in names if n not in kind.fields})
    if elsewhere:
        raise LetterError(_("A letter on “%(outcome)s” has no field %(names)s: its fields are listed beside the "
                            "letter.", outcome=kind.title(), names=", ".join("{" + n + "}" for n in elsewhere)))


def save(actor, outcome, language, subject, body):
    kind = kind_of(outcome)
    if kind is None:
        raise LetterError(_("The platform sends no letter on this outcome."))
    if language not in LANGUAGES:
        raise LetterError(_("Choose Kazakh or Russian."))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise LetterError(_("Write the subject and the text of the letter."))
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise LetterError(_("The subject takes at most %(s)d characters and the text %(b)d.", s=MAX_SUBJECT,
                            b=MAX_BODY))
    _check(subject, kind)
    _check(body, kind)
    row = template_for(outcome, language)
    before = {"subject": row.subject, "body": row.body} if row else None
    row = row or LetterTemplate(outcome=kind.key, language=language)
    row.subject, row.body, row.updated_by_id = subject, body, actor.id
    db.session.add(row)
    audit.record(actor, "letter.save", None, before, {"outcome": kind.key, "language": language, "subject": subject,
                                                      "body": body},
                 object_type="LetterTemplate", object_id=f"{kind.key}:{language}")
    return row


def common_values(application, language):
    """The fields every letter has, in the letter's language (within deliver's context)."""
    org, call = application.organization, application.call
    return {
        "ngo": org.name_kk if language == "kk" else org.name_ru,
        "receipt": application.receipt_number, "title": application.title,
        "call": f"{call.code} «{call.title_kk if language == 'kk' else call.title_ru}»",
        "link": url_for("applications.show", app_id=application.id, _external=True),
    }


def deliver(user, outcome, application, own_fields, fallback):
    """A decision to one member of the NGO: the operator's letter for the outcome in the member's language (the
    application's, for a reader of English), else the platform's own, `fallback()`. `own_fields(language)` gives the
    outcome's own fields; it runs in the letter's language, where url_for makes the platform's public address."""
    language = user.locale if user.locale in LANGUAGES else application.language
    letter = template_for(outcome, language)
    if letter is None:
        return fallback()
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]), force_locale(language):
        filled = _Filled({**common_values(application, language), **own_fields(language)})
    return mail.queue_text(user.email, letter.subject.format_map(filled)[:400],
                           letter.body.format_map(filled).strip() + "\n", language)


def send(user, application, review):
    """The eligibility check's decision to one member of the NGO, with the reasons chosen at the check."""
    def checked(language):
        codes = review.reason_codes or []
        reasons = db.session.execute(sa.select(ReasonCode).where(ReasonCode.code.in_(codes))).scalars().all() \
            if codes else []
        return {"reasons": "\n".join(f"— {getattr(r, 'name_' + language)}" for r in reasons),
                "comment": review.comment or "",
                "deadline": format_datetime(review.revision_deadline) if review.revision_deadline else ""}

    return deliver(user, review.outcome, application, checked, lambda: mail.queue_mail(
        user.email, "application_reviewed", user.locale or application.language, application=application,
        review=review))
