"""The verbs of an NGO profile: register by BIN, edit, invite colleagues."""

import sqlalchemy as sa

from grants import audit, mail
from grants.auth.models import Role, UserRole
from grants.auth.services import find_user, normalise_email
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today
from grants.identifiers import bin_problem
from grants.organizations import ownership
from grants.organizations.models import Invitation, Membership, Organization
from grants.refusals import Refusal

PROFILE_FIELDS = ("name_kk", "name_ru", "legal_form", "region_id", "address", "head_name", "phone", "email",
                  "registry_year")


class OrganizationError(Refusal):
    """A refusal, with a message for the NGO's staff."""


def _check_profile(data):
    """What the profile may not say, whichever page or API sent it."""
    year, this_year = data.get("registry_year"), astana_today().year
    if year is not None and year > this_year:
        raise OrganizationError(_("The last filing to the national NGO database cannot be in %(year)d: that year "
                                  "has not come yet. Give the year of the filing already made, %(now)d at the latest.",
                                  year=year, now=this_year))


def register(actor, bin_, data, directions, proof=None):
    """Register an NGO by its BIN; the person who registers it becomes its owner. With `proof` (a certificate of
    that legal entity the actor signed in with, organizations.ownership.proof_of) the NGO is verified at once."""
    bin_ = (bin_ or "").strip()
    problem = bin_problem(bin_)
    if problem:
        raise OrganizationError(problem)
    if db.session.execute(sa.select(Organization.id).where(Organization.bin == bin_)).first():
        raise OrganizationError(_("An NGO with the BIN %(bin)s is already registered. Ask its owner to invite you. "
                                  "If you are its head or sign for it, sign in with the EDS of the NGO: it passes "
                                  "to you.", bin=bin_))
    _check_profile(data)
    org = Organization(bin=bin_, **{k: data[k] for k in PROFILE_FIELDS})
    org.directions = list(directions)
    org.memberships.append(Membership(user=actor, is_owner=True))
    db.session.add(org)
    audit.record(actor, "organization.register", org, after={"bin": bin_, **{k: data[k] for k in PROFILE_FIELDS}})
    if proof is not None and proof["bin"] == bin_:
        ownership.apply_proof(actor, proof)
    return org


def update(actor, org, data, directions):
    if not org.has_member(actor):
        raise OrganizationError(_("Only the NGO's own staff can change its profile."))
    _check_profile(data)
    audit.update(actor, "organization.update", org,
                 {**{k: data[k] for k in PROFILE_FIELDS}, "directions": list(directions)},
                 shown={"directions": lambda o: sorted(d.code for d in o.directions)})


def is_owner(user, org):
    return any(m.user_id == user.id and m.is_owner for m in org.memberships)


def invite(actor, org, email):
    """Let a colleague act for the NGO: at once if they have an account, else when they register."""
    if not is_owner(actor, org):
        raise OrganizationError(_("Only the NGO's owner invites colleagues."))
    email = normalise_email(email)
    user = find_user(email)
    if user is not None:
        if org.has_member(user):
            raise OrganizationError(_("%(email)s already acts for this NGO.", email=email))
        add_member(actor, org, user)
        mail.queue_mail(email, "organization_invited", user.locale or "kk", organization=org, has_account=True)
        return user
    pending = db.session.execute(sa.select(Invitation).where(
        Invitation.organization_id == org.id, Invitation.email == email, Invitation.accepted_at.is_(None))).first()
    if pending is None:
        db.session.add(Invitation(organization_id=org.id, email=email, invited_by_id=actor.id))
    audit.record(actor, "organization.invite", org, after={"email": email})
    mail.queue_mail(email, "organization_invited", "kk", organization=org, has_account=False)
    return None


def add_member(actor, org, user):
    if not user.has_role(Role.applicant):
        user.role_rows.append(UserRole(role=Role.applicant.value))
    org.memberships.append(Membership(user=user, is_owner=False))
    audit.record(actor, "organization.add_member", org, after={"email": user.email})


def claim_invitations(user):
    """At registration: join every NGO that invited this e-mail."""
    pending = db.session.execute(sa.select(Invitation).where(
        Invitation.email == user.email, Invitation.accepted_at.is_(None))).scalars().all()
    for invitation in pending:
        if not invitation.organization.has_member(user):
            add_member(user, invitation.organization, user)
        invitation.accepted_at = utcnow()
    return [i.organization for i in pending]
