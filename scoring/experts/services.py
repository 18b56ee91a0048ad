"""The verbs of the expert register: enrol an expert, change their details, record their ties."""


import sqlalchemy as sa

from grants import audit
from grants.auth.models import Role, UserRole
from grants.extensions import db
from grants.i18n import _
from grants.identifiers import bin_problem, number_problem
from grants.refusals import Refusal
from scoring.experts.models import Affiliation, Expert, Relative, Tie

FIELDS = ("iin", "reads_kk", "reads_ru", "region_id", "active")


class ExpertError(Refusal):
    """A refusal, with a message for the operator."""


def _check(data, expert=None):
    if not (data["reads_kk"] or data["reads_ru"]):
        raise ExpertError(_("An expert reads Kazakh, Russian or both."))
    if data.get("iin"):
        problem = number_problem(data["iin"], "iin")
        if problem:
            raise ExpertError(problem)
        clash = db.session.execute(sa.select(Expert.id).where(Expert.iin == data["iin"])).scalar_one_or_none()
        if clash is not None and (expert is None or clash != expert.id):
            raise ExpertError(_("Another expert has this IIN."))


def enrol(actor, user, data, directions):
    """Put a user on the register; they get the expert role if they lack it."""
    if db.session.execute(sa.select(Expert.id).where(Expert.user_id == user.id)).first():
        raise ExpertError(_("%(email)s is already on the register.", email=user.email))
    data = {**data, "iin": data.get("iin") or None}
    _check(data)
    expert = Expert(user=user, **{k: data[k] for k in FIELDS})
    expert.directions = list(directions)
    if not user.has_role(Role.expert):
        user.role_rows.append(UserRole(role=Role.expert.value))
    db.session.add(expert)
    audit.record(actor, "expert.enrol", expert, after={"user": user.email, **{k: data[k] for k in FIELDS},
                                                       "directions": sorted(d.code for d in directions)})
    return expert


def update(actor, expert, data, directions):
    data = {**data, "iin": data.get("iin") or None}
    _check(data, expert)
    audit.update(actor, "expert.update", expert, {**{k: data[k] for k in FIELDS}, "directions": list(directions)},
                 shown={"directions": lambda e: sorted(d.code for d in e.directions)})


def add_affiliation(actor, expert, bin_, organisation_name, tie, until=None):
    """A tie to an organisation by its BIN: applications of that organisation are refused to the expert."""
    problem = bin_problem((bin_ or "").strip(), resident_legal_entity=False)
    if problem:
        raise ExpertError(problem)
    tie = Tie(tie)
    affiliation = Affiliation(bin=bin_.strip(), organisation_name=(organisation_name or "").strip()[:400] or bin_,
                              tie=tie, until=until)
    expert.affiliations.append(affiliation)
    audit.record(actor, "expert.add_affiliation", expert,
                 after={"bin": affiliation.bin, "tie": tie, "until": until})
    return affiliation


def remove_affiliation(actor, expert, affiliation):
    audit.record(actor, "expert.remove_affiliation", expert, before={"bin": affiliation.bin, "tie": affiliation.tie})
    expert.affiliations.remove(affiliation)


def add_relative(actor, expert, iin, full_name, relation=""):
    """A close relative by IIN: an application naming them as a partner is refused to the expert."""
    iin = (iin or "").strip()
    problem = number_problem(iin, "iin")
    if problem:
        raise ExpertError(problem)
    if not (full_name or "").strip():
        raise ExpertError(_("Give the relative's full name."))
    if iin == expert.iin:
        raise ExpertError(_("This is the expert's own IIN."))
    if any(r.iin == iin for r in expert.relatives):
        raise ExpertError(_("This relative is already recorded."))
    relative = Relative(iin=iin, full_name=full_name.strip()[:255], relation=(relation or "").strip()[:64])
    expert.relatives.append(relative)
    audit.record(actor, "expert.add_relative", expert, after={"iin": iin, "relation": relative.relation})
    return relative


def remove_relative(actor, expert, relative):
    audit.record(actor, "expert.remove_relative", expert, before={"iin": relative.iin})
    expert.relatives.remove(relative)


def tied_numbers(expert):
    """The IINs that stand for the expert on a partner list: their own and their relatives'."""
    return {r.iin for r in expert.relatives} | ({expert.iin} if expert.iin else set())
