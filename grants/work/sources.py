"""What waits on a member of the operator's staff: the work of what they lead, and where colleagues named them.

Each kind of work is a source: a label and fn(user, now) -> [Item]. The core's sources are here; a package above
the core adds its own to its app (`add_to(app, ...)`), as it adds menu entries, so the core names none of its
pages."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, url_for

from grants.agreements.models import Agreement, AgreementStatus, Kind, Tranche
from grants.agreements.services import tranche_state
from grants.applications.models import Application, Status
from grants.calls.models import Call, Topic
from grants.comments import services as comments
from grants.comments.models import Comment, Mention
from grants.extensions import db
from grants.i18n import _, _l
from grants.monitoring.models import Report, ReportStatus
from grants.work.due import review_due, screening_due


@dataclass
class Item:
    title: str  # the object, as a person names it
    url: str  # where the work is done
    due: date | datetime | None = None  # by when, where the work has a date
    since: datetime | None = None  # waiting since
    note: str = ""
    standing: object = None  # how it stands against `due` today (grants.work.due.arrange)


@dataclass(frozen=True)
class Source:
    key: str
    label: object
    items: object  # fn(user, now) -> [Item]


CORE = []
EXTENSION = "baiqau.work"  # in app.extensions: the packages' sources


def add(key, label):
    """A core source (a decorator)."""
    def register(fn):
        CORE.append(Source(key, label, fn))
        return fn
    return register


def add_to(app, key, label, fn, after=None):
    """A package's source in its app's My work, after the core source `after` (else last)."""
    app.extensions.setdefault(EXTENSION, []).append((after, Source(key, label, fn)))


def sources():
    """This app's sources, in order."""
    found = list(CORE)
    for after, source in current_app.extensions.get(EXTENSION, []):
        keys = [s.key for s in found]
        found.insert(keys.index(after) + 1 if after in keys else len(found), source)
    return found


def application_title(application):
    return f"{application.receipt_number} · {application.organization.name} · {application.title}"


def agreement_title(agreement):
    return f"{agreement.number} · {agreement.organization.name}"


@add("screen", _l("To screen"))
def to_screen(user, now):
    """Submitted applications I lead whose seal is off: the eligibility check waits on me, due working days after
    the call's intake ends."""
    rows = db.session.execute(
        sa.select(Application, Call.deadline_at).join(Topic, Topic.id == Application.topic_id)
        .join(Call, Call.id == Topic.call_id)
        .where(Application.lead_id == user.id, Application.status == Status.submitted,
               sa.or_(Call.deadline_at <= now, Application.opened_early_at.is_not(None)))
        .order_by(Application.submitted_at)).all()
    return [Item(application_title(a), url_for("review.review", app_id=a.id), due=screening_due(deadline),
                 since=a.submitted_at) for a, deadline in rows]


@add("review", _l("Reports to review"))
def to_review(user, now):
    """Submitted reports of the grants I lead (a state social order contract's are its customer's to review), due
    working days after their submission."""
    rows = db.session.execute(
        sa.select(Report).join(Agreement, Agreement.id == Report.agreement_id)
        .where(Agreement.lead_id == user.id, Report.status == ReportStatus.submitted,
               Agreement.kind != Kind.sso_contract)
        .order_by(Report.submitted_at)).scalars().all()
    return [Item(_("%(agreement)s · report %(n)d", agreement=agreement_title(r.agreement), n=r.number),
                 url_for("monitoring.review", report_id=r.id), due=review_due(r.submitted_at), since=r.submitted_at)
            for r in rows]


@add("pay", _l("Tranches to pay"))
def to_pay(user, now):
    """Payable tranches of the agreements I lead, by their planned date."""
    rows = db.session.execute(
        sa.select(Tranche).join(Agreement, Agreement.id == Tranche.agreement_id)
        .where(Agreement.lead_id == user.id, Agreement.status == AgreementStatus.active, Tranche.paid_on.is_(None))
        .order_by(Tranche.planned_on, Tranche.id)).scalars().all()
    return [Item(_("%(agreement)s · tranche %(n)d", agreement=agreement_title(t.agreement), n=t.position + 1),
                 url_for("manage_agreements.show", agreement_id=t.agreement_id, _anchor="tranches"),
                 due=t.planned_on) for t in rows if tranche_state(t)[0] == "payable"]


@add("answer", _l("To answer"))
def to_answer(user, now):
    """Conversations waiting on me: on what I lead, the last word is the NGO's or an expert's; elsewhere, a
    colleague mentioned me after my last word."""
    led_agreements = sa.select(Agreement.id).where(Agreement.lead_id == user.id)
    led = sa.or_(Comment.application_id.in_(sa.select(Application.id).where(Application.lead_id == user.id)),
                 Comment.agreement_id.in_(led_agreements),
                 Comment.report_id.in_(sa.select(Report.id).where(Report.agreement_id.in_(led_agreements))))
    mentioned = Comment.id.in_(sa.select(Mention.comment_id).where(Mention.user_id == user.id))
    candidates = db.session.execute(sa.select(Comment).where(sa.or_(led, mentioned))).scalars().all()
    if not candidates:
        return []
    keys = {_key(c) for c in candidates}
    conversation = db.session.execute(sa.select(Comment).where(sa.or_(*(
        getattr(Comment, f"{kind}_id") == subject_id for kind, subject_id in keys))).order_by(Comment.id)).scalars()
    last, mine, mention = {}, {}, {}
    for c in conversation:
        key = _key(c)
        last[key] = c
        if c.author_id == user.id:
            mine[key] = c.id
        if any(m.user_id == user.id for m in c.mentions):
            mention[key] = c
    items = []
    for key, c in last.items():
        subject = comments.subject_of(c)
        if _leads(user, subject) and not comments.is_staff(c.author):
            waiting = c  # the NGO or an expert has the last word on what I lead
        elif key in mention and mention[key].id > mine.get(key, 0):
            waiting = mention[key]  # a colleague named me, and I have not written there since
        else:
            continue
        items.append(Item(_subject_title(subject), comments.page_for(user, subject).replace(
            "#comments", f"#comment-{waiting.id}"), since=waiting.created_at,
            note=_("%(name)s: %(words)s", name=waiting.author.full_name, words=_excerpt(waiting.body))))
    return sorted(items, key=lambda i: i.since)


def _key(comment):
    return next((kind, getattr(comment, f"{kind}_id")) for kind in comments.KINDS
                if getattr(comment, f"{kind}_id") is not None)


def _leads(user, subject):
    owner = subject.agreement if isinstance(subject, Report) else subject
    return owner.lead_id == user.id


def _subject_title(subject):
    if isinstance(subject, Application):
        return application_title(subject)
    if isinstance(subject, Agreement):
        return agreement_title(subject)
    return _("%(agreement)s · report %(n)d", agreement=agreement_title(subject.agreement), n=subject.number)


def _excerpt(text, length=120):
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


def unled(now):
    """What nobody leads yet: unsealed submitted applications by call, and agreements, as counts."""
    calls = db.session.execute(
        sa.select(Call, sa.func.count(Application.id)).join(Topic, Topic.call_id == Call.id)
        .join(Application, Application.topic_id == Topic.id)
        .where(Application.lead_id.is_(None), Application.status == Status.submitted,
               sa.or_(Call.deadline_at <= now, Application.opened_early_at.is_not(None)))
        .group_by(Call.id).order_by(Call.deadline_at)).all()
    agreements = db.session.execute(
        sa.select(sa.func.count(Agreement.id)).where(
            Agreement.lead_id.is_(None),
            Agreement.status.in_([AgreementStatus.draft, AgreementStatus.active, AgreementStatus.suspended]))
    ).scalar_one()
    return calls, agreements
