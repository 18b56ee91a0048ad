"""Proposals on a state social order's published plan: anyone may send one, the customer body answers on the record.

While the plan is announced or open, an NGO or a citizen (signed in or not) sends a proposal on one topic
or on the plan as a whole; the call's customer body (or the grant operator) answers it, and may correct the
answer later: the page shows the latest, the audit trail keeps every one. Each verb flushes; the caller
commits once.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.orm import joinedload

import grants.calls.rules  # noqa: F401  (registers proposal.answer, which answer() asks)
from grants import audit, mail
from grants.calls.models import Instrument, Phase, Proposal, Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, format_datetime
from grants.identifiers import bin_problem
from grants.organizations.models import Membership, Organization
from grants.permissions import can
from grants.refusals import Refusal

log = logging.getLogger(__name__)

TEXT_MIN, TEXT_MAX = 10, 5000
NAME_MAX, EMAIL_MAX = 200, 255
ACCEPTING = (Phase.announced, Phase.open)
WINDOW = timedelta(hours=1)  # the sending limit counts the proposals of the last hour
LOCALES = ("kk", "ru", "en")
FIELDS = ("author_name", "author_email", "organization_bin", "topic_id", "text")  # what the sender types


class ProposalError(Refusal):
    """A refusal, with a message for the sender or the customer body."""


class ProposalProblems(ProposalError):
    """Every reason the proposal is refused, by field: {field name: message}."""

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__(" ".join(str(m) for m in self.problems.values()))


class NotYours(ProposalError):
    status = 403


class TooMany(ProposalError):
    status = 429


def closed_reason(call, now=None):
    """Why the call takes no proposals now, or None while it does."""
    if call.instrument != Instrument.sso:
        return _("Proposals on the plan are taken for state social order calls only.")
    phase = call.phase(now)
    if phase not in ACCEPTING:
        return _("The plan takes no proposals at the call's current phase (%(phase)s).", phase=phase.title)
    return None


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _topic_id(value):
    if isinstance(value, int):
        return value
    value = _text(value)
    return int(value) if value.isdigit() else (None if not value else -1)  # -1: not a topic of any call


def cleaned(data):
    """The fields as the service reads them: trimmed, the e-mail in lower case, an empty BIN or topic as None."""
    return {"author_name": _text(data.get("author_name")), "author_email": _text(data.get("author_email")).lower(),
            "organization_bin": _text(data.get("organization_bin")) or None,
            "topic_id": _topic_id(data.get("topic_id")), "text": _text(data.get("text")),
            "locale": data.get("locale") if data.get("locale") in LOCALES else "kk"}


def _member_of(user, organization):
    return user is not None and db.session.execute(sa.select(Membership.user_id).where(
        Membership.organization_id == organization.id, Membership.user_id == user.id)).first() is not None


def problems(call, data, user=None):
    """Every reason these fields cannot be sent on the call, by field, all checked at once."""
    data, user = cleaned(data), _signed_in(user)
    found = {}
    name = data["author_name"]
    if not name:
        found["author_name"] = _("Give your name: it is published with the proposal.")
    elif len(name) > NAME_MAX:
        found["author_name"] = _("The name is too long: at most %(n)d characters.", n=NAME_MAX)
    email = data["author_email"]
    if not email:
        found["author_email"] = _("Give your e-mail: the answer is sent to it, and it is never published.")
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            found["author_email"] = _("Enter a valid e-mail address.")
        else:
            if len(email) > EMAIL_MAX:
                found["author_email"] = _("Enter a valid e-mail address.")
    bin_ = data["organization_bin"]
    if bin_:
        problem = bin_problem(bin_)
        registered = None if problem else db.session.execute(
            sa.select(Organization).where(Organization.bin == bin_)).scalar_one_or_none()
        if problem:
            found["organization_bin"] = problem
        elif registered is not None and not _member_of(user, registered):
            # Nobody signs as a registered NGO but its own people: the page names the NGO it shows.
            found["organization_bin"] = _("This BIN belongs to an NGO registered on Baiqau: sign in as its member "
                                          "to send a proposal on its behalf, or leave the BIN out.")
    if data["topic_id"] is not None:
        topic = db.session.get(Topic, data["topic_id"]) if data["topic_id"] > 0 else None
        if topic is None or topic.call_id != call.id:
            found["topic_id"] = _("Choose a topic of this plan, or the plan as a whole.")
    text = data["text"]
    if not text:
        found["text"] = _("Write the proposal.")
    elif len(text) < TEXT_MIN:
        found["text"] = _("The proposal is too short: write at least %(n)d characters.", n=TEXT_MIN)
    elif len(text) > TEXT_MAX:
        found["text"] = _("The proposal is too long: at most %(n)d characters.", n=TEXT_MAX)
    return found


def _signed_in(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _throttle(email, ip, user, now):
    """The sign-in's rule for a public form: so many an hour per e-mail (and account), four times that per
    address, counted in the database so that every app server agrees."""
    limit = current_app.config.get("PROPOSALS_PER_HOUR", 5)
    since = now - WINDOW
    same_sender = Proposal.author_email == email
    if user is not None:
        same_sender = sa.or_(same_sender, Proposal.user_id == user.id)
    recent = sa.select(sa.func.count(), sa.func.min(Proposal.created_at)).where(Proposal.created_at >= since)
    by_sender, first_by_sender = db.session.execute(recent.where(same_sender)).one()
    by_address, first_by_address = db.session.execute(recent.where(Proposal.sender_ip == ip)).one() if ip \
        else (0, None)
    if by_sender < limit and by_address < limit * 4:
        return
    first = first_by_sender if by_sender >= limit else first_by_address
    log.warning("proposals throttled for %s from %s", email, ip)
    raise TooMany(_("Too many proposals were sent from this e-mail or address in the last hour. Try again after "
                    "%(time)s.", time=format_datetime(first + WINDOW, "HH:mm")))


def send(user, call, data, now=None, ip=None):
    """A proposal on the call's plan from `user` (None, or not signed in: a citizen without an account).

    `data`: author_name, author_email, organization_bin (optional), topic_id (None: the whole plan), text, and
    locale (the page's language); `ip` the sender's address, for the sending limit only.
    """
    now = now or utcnow()
    user = _signed_in(user)
    reason = closed_reason(call, now)
    if reason:
        raise ProposalError(reason)
    found = problems(call, data, user)
    if found:
        raise ProposalProblems(found)
    data = cleaned(data)
    ip = (ip or "")[:64]
    _throttle(data["author_email"], ip, user, now)
    proposal = Proposal(call_id=call.id, topic_id=data["topic_id"], author_name=data["author_name"],
                        author_email=data["author_email"], organization_bin=data["organization_bin"],
                        user_id=user.id if user else None, sender_ip=ip, text=data["text"], locale=data["locale"],
                        created_at=now)
    db.session.add(proposal)
    db.session.flush()
    topic = db.session.get(Topic, data["topic_id"]) if data["topic_id"] else None
    audit.record(user or "public", "proposal.send", proposal, after={
        "call": call.code, "topic": topic.number if topic else None, "author_name": proposal.author_name,
        "bin": proposal.organization_bin, "text": proposal.text})
    return proposal


def answer(actor, proposal, text, now=None):
    """The customer body's answer, published with the proposal; a later one corrects it and both stay in the
    audit trail. The author is told by mail, in the language they wrote from."""
    decision = can(actor, "proposal.answer", proposal.call)
    if not decision:
        raise NotYours(decision.reason)
    text = _text(text)
    if not text:
        raise ProposalError(_("Write the answer: the author and the public read it."))
    if len(text) > TEXT_MAX:
        raise ProposalError(_("The answer is too long: at most %(n)d characters.", n=TEXT_MAX))
    if text == proposal.answer:
        raise ProposalError(_("The answer is the same as the one already published: nothing to correct."))
    now = now or utcnow()
    correcting = proposal.answer is not None
    before = {"answer": proposal.answer}
    proposal.answer = text
    proposal.answered_by_id = actor.id
    if correcting:
        proposal.answer_corrected_at = now
    else:
        proposal.answered_at = now
    db.session.flush()
    audit.record(actor, "proposal.correct_answer" if correcting else "proposal.answer", proposal, before,
                 {"answer": text})
    mail.queue_mail(proposal.author_email, "proposal_answered", proposal.locale, proposal=proposal,
                    corrected=correcting)
    return proposal


# --- the read side -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """A proposal as a page shows it, with the name of the registered NGO that signed it, if one did."""

    proposal: Proposal
    organization: Organization | None

    @property
    def by_customer(self):
        """Whether the answer is the customer body's own (the operator may answer too)."""
        by = self.proposal.answered_by
        return by is not None and by.customer_body_id == self.proposal.call.customer_id


def _listed(query):
    rows = db.session.execute(
        query.outerjoin(Organization, Organization.bin == Proposal.organization_bin)
        .add_columns(Organization)
        .options(joinedload(Proposal.topic), joinedload(Proposal.answered_by))).unique().all()
    return [Shown(p, org) for p, org in rows]


def public_list(call):
    """Every proposal on the call's plan, in the order they came, each with its answer."""
    return _listed(sa.select(Proposal).where(Proposal.call_id == call.id)
                   .order_by(Proposal.created_at, Proposal.id))


def answer_queue(call):
    """The call's proposals for the customer body: the unanswered first (the longest waiting at the top), then
    the answered, the latest answered first."""
    unanswered = sa.case((Proposal.answered_at.is_(None), 0), else_=1)
    return _listed(sa.select(Proposal).where(Proposal.call_id == call.id)
                   .order_by(unanswered, sa.case((Proposal.answered_at.is_(None), Proposal.created_at)),
                             sa.func.coalesce(Proposal.answer_corrected_at, Proposal.answered_at).desc(),
                             Proposal.id))

