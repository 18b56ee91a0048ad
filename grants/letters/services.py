"""Decision letters the operator writes once per outcome and language, filled in for each application decided.

A letter names its fields in braces — {ngo}, {receipt}, {title}, {call}, {reasons}, {comment}, {deadline},
{link} — and nothing else: a field the platform does not know is refused when the letter is saved, so an NGO never
receives a letter with a hole in it. Without a letter for an outcome and language, the platform's own is sent."""

from string import Formatter

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale

from grants import audit, mail
from grants.applications.models import Outcome
from grants.extensions import db
from grants.i18n import _, _l, format_datetime
from grants.letters.models import LetterTemplate
from grants.reference.models import ReasonCode
from grants.refusals import Refusal

LANGUAGES = ("kk", "ru")
MAX_SUBJECT, MAX_BODY = 200, 10000
FIELDS = {
    "ngo": _l("the NGO's name in the letter's language"),
    "receipt": _l("the application's receipt number"),
    "title": _l("the project's title"),
    "call": _l("the call's code and title"),
    "reasons": _l("the reasons chosen at the check, one per line, in the letter's language"),
    "comment": _l("the operator's comment at the check"),
    "deadline": _l("the date and time by which a returned application is submitted again (Astana time)"),
    "link": _l("the address of the application on the platform"),
}


class LetterError(Refusal):
    pass


def template_for(outcome, language):
    return db.session.get(LetterTemplate, (outcome, language))


def all_templates():
    return {(t.outcome, t.language): t for t in db.session.execute(sa.select(LetterTemplate)).scalars()}


def _check(text):
    try:
        names = [name for _lit, name, _spec, _conv in Formatter().parse(text) if name is not None]
    except ValueError:
        raise LetterError(_("A brace is not closed: write a field as {receipt}, and a brace itself as {{ or }}.")) \
            from None
    unknown = sorted({n for n in names if n not in FIELDS})
    if unknown:
        raise LetterError(_("The letter names fields the platform does not know: %(names)s.",
                            names=", ".join("{" + n + "}" for n in unknown)))


def save(actor, outcome, language, subject, body):
    Outcome(outcome)
    if language not in LANGUAGES:
        raise LetterError(_("Choose Kazakh or Russian."))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise LetterError(_("Write the subject and the text of the letter."))
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise LetterError(_("The subject takes at most %(s)d characters and the text %(b)d.", s=MAX_SUBJECT,
                            b=MAX_BODY))
    _check(subject)
    _check(body)
    row = template_for(outcome, language)
    before = {"subject": row.subject, "body": row.body} if row else None
    row = row or LetterTemplate(outcome=outcome, language=language)
    row.subject, row.body, row.updated_by_id = subject, body, actor.id
    db.session.add(row)
    audit.record(actor, "letter.save", None, before, {"outcome": outcome, "language": language, "subject": subject,
                                                      "body": body},
                 object_type="LetterTemplate", object_id=f"{outcome}:{language}")
    return row


def values(application, review, language):
    """The fields of a letter for this decision, in the letter's language."""
    org, call = application.organization, application.call
    codes = review.reason_codes or []
    reasons = db.session.execute(sa.select(ReasonCode).where(ReasonCode.code.in_(codes))).scalars().all() \
        if codes else []
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]), force_locale(language):
        return {
            "ngo": org.name_kk if language == "kk" else org.name_ru,
            "receipt": application.receipt_number, "title": application.title,
            "call": f"{call.code} «{call.title_kk if language == 'kk' else call.title_ru}»",
            "reasons": "\n".join(f"— {getattr(r, 'name_' + language)}" for r in reasons),
            "comment": review.comment or "",
            "deadline": format_datetime(review.revision_deadline) if review.revision_deadline else "",
            "link": url_for("applications.show", app_id=application.id, _external=True),
        }


def send(user, application, review):
    """The decision to one member of the NGO: the operator's letter for the outcome in the member's language (the
    application's, for a reader of English), else the platform's own."""
    language = user.locale if user.locale in LANGUAGES else application.language
    letter = template_for(review.outcome, language)
    if letter is None:
        return mail.queue_mail(user.email, "application_reviewed", user.locale or application.language,
                               application=application, review=review)
    filled = values(application, review, language)
    return mail.queue_text(user.email, letter.subject.format_map(filled)[:400],
                           letter.body.format_map(filled).strip() + "\n", language)
