"""Proof that an NGO is theirs who act for it: a certificate of the legal entity, or the operator's check.

Anyone may register a BIN; what it proves is decided here. An NGO is verified when a person signs in with ЭЦП
by a certificate of that legal entity (its BIN in the certificate) and acts for it, or when the operator has
checked its registration documents and wrote down why. An unverified NGO writes drafts but does not submit
(applications.readiness.problems). The first head, or a person with the right to sign, becomes the owner: when
someone else had registered the BIN, the NGO passes to the certificate's holder (a reclaim), those who held it
lose it, and the operators and the former owners are told by mail.
"""

import sqlalchemy as sa

from grants import audit
from grants.auth.models import Role, User, UserRole
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.organizations.models import Membership, Organization
from grants.refusals import Refusal

# The standings whose certificate makes its holder the NGO's owner (grants.signatures.HolderRole values).
OWNING_ROLES = ("first_head", "signer")


class OwnershipError(Refusal):
    """The proof does not fit, or the step is not the actor's to take."""


def proof_of(signer):
    """What a verified legal entity's certificate proves, as kept in the session after ЭЦП sign-in (or None)."""
    if not signer.bin:
        return None
    role = getattr(signer.role, "value", signer.role)  # a HolderRole, or its value kept in the session
    return {"bin": signer.bin, "role": role or "employee", "iin": signer.iin, "serial": signer.serial,
            "test": signer.test}


def _mark(org, actor, how, note):
    org.verification, org.verified_at, org.verified_by_id, org.verification_note = how, utcnow(), actor.id, note


def _evidence(proof):
    return {"bin": proof["bin"], "role": proof["role"], "certificate": proof["serial"], "test": proof["test"]}


def apply_proof(user, proof):
    """What a certificate of a legal entity does for the NGO of its BIN, at sign-in or registration: verify it
    when the holder acts for it, and give it to a first head or signer who does not own it (a reclaim). Returns
    ("verified" | "reclaimed" | None, org)."""
    org = db.session.execute(sa.select(Organization).where(Organization.bin == proof["bin"])).scalar_one_or_none()
    if org is None:
        return None, None
    membership = next((m for m in org.memberships if m.user_id == user.id), None)
    if proof["role"] in OWNING_ROLES and not (membership and membership.is_owner):
        _reclaim(user, org, membership, proof)
        return "reclaimed", org
    if membership is not None and org.verification != "eds":
        before = {"verification": org.verification}
        _mark(org, user, "eds", None)
        audit.record(user, "organization.verify", org, before, {"verification": "eds", **_evidence(proof)})
        return "verified", org
    return None, org


def _reclaim(user, org, membership, proof):
    from grants.mail import queue_mail

    former = [m.user for m in org.memberships if m.is_owner and m.user_id != user.id]
    for m in list(org.memberships):
        if m.is_owner and m.user_id != user.id:
            org.memberships.remove(m)  # they acted on an unproven claim: the holder invites whom they trust
    if membership is None:
        org.memberships.append(Membership(user=user, is_owner=True))
    else:
        membership.is_owner = True
    before = {"verification": org.verification, "owners": sorted(u.email for u in former)}
    _mark(org, user, "eds", None)
    audit.record(user, "organization.reclaim", org, before,
                 {"verification": "eds", "owners": [user.email], **_evidence(proof)})
    operators = db.session.execute(sa.select(User).join(UserRole).where(
        UserRole.role == Role.operator.value, User.active.is_(True))).scalars().all()
    for person in [*former, *operators]:
        queue_mail(person.email, "ngo_reclaimed", person.locale or "ru", org=org, holder=user,
                   former=", ".join(u.full_name for u in former) or "—")


def verify_by_documents(actor, org, note):
    """The operator checked the NGO's registration documents (the state register's certificate, the charter, the
    head's appointment) and writes down what they saw."""
    if not actor.has_any_role(Role.operator, Role.admin):
        raise OwnershipError(_("Only the grant operator verifies an NGO by its documents."))
    note = (note or "").strip()
    if not note:
        raise OwnershipError(_("Write which documents you checked and what they show."))
    if org.verified:
        raise OwnershipError(_("This NGO is verified already."))
    _mark(org, actor, "documents", note)
    audit.record(actor, "organization.verify", org, {"verification": None},
                 {"verification": "documents", "note": note})


def submit_problem(org):
    """Why the NGO may not submit yet, or None."""
    if org.verified:
        return None
    return _("Your NGO is not verified yet, so the application cannot be submitted. Sign in with the EDS of the "
             "NGO (the certificate of its head, or of an employee, with its BIN), or ask the grant operator to "
             "check its registration documents. The draft stays as it is.")
