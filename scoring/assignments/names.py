"""Names that look alike across an expert and an application: a flag for the operator, never a refusal.

Refusals come from BINs and IINs only (services.detected_conflicts). A name is not an identity:
two people share a surname, an NGO renames itself. But a name that resembles one on the other
side is worth a look, so the operator sees it beside the assignment and decides.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz

from grants.applications.models import Partner
from grants.extensions import db
from grants.i18n import _l

THRESHOLD = 88  # token-sort ratio, 0–100: "Сейітова Айгүл" and "Айгүл Сейітова" score 100

# Legal forms and quotes say nothing about who an organisation is; without them "ОФ «Шапағат»"
# and "Общественный фонд Шапагат" compare as the names they are.
_LEGAL_FORMS = re.compile(
    r"\b(общественн\w+ (фонд|объединени\w+)|қоғамдық (қор|бірлестік)|public (foundation|association)|"
    r"частное учреждение|мекеме|тоо|жшс|ип|ооо|оф|оо|оюл|ққ|қб|чу)\b")
_NOT_LETTERS = re.compile(r"[^\w\s]|_|\d")
TRANSLIT = str.maketrans({"ё": "е", "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у",
                          "һ": "х", "і": "и", "ь": None, "ъ": None})
# A patronymic is written "Маратовна" in one document and "Маратқызы" in the next: it is left out.
_PATRONYMIC = re.compile(r"(ович|евич|овна|евна|ична|кызы|улы|uly|kyzy)$")

EXPERT_SIDE = {"expert": _l("the expert"), "relative": _l("the expert's relative"),
               "affiliation": _l("an organization tied to the expert")}
APPLICANT_SIDE = {"ngo": _l("the applicant NGO"), "head": _l("the NGO's head"), "partner": _l("a partner")}


@dataclass(frozen=True)
class Flag:
    expert_side: str  # a key of EXPERT_SIDE
    expert_name: str
    applicant_side: str  # a key of APPLICANT_SIDE
    applicant_name: str
    similarity: int

    @property
    def expert_label(self):
        return EXPERT_SIDE[self.expert_side]

    @property
    def applicant_label(self):
        return APPLICANT_SIDE[self.applicant_side]


def normalise(name):
    """Lower case, Kazakh letters folded to their Russian look-alikes; no legal form, patronymic or punctuation."""
    text = _LEGAL_FORMS.sub(" ", (name or "").casefold())
    words = _NOT_LETTERS.sub(" ", text).translate(TRANSLIT).split()
    if len(words) > 2:
        # "Айгүл Маратқызы Сейітова" or "Сейітова Айгүл Маратовна": drop the last patronymic-looking
        # word; in "Айгүл Сейітқызы" that word is the surname and stays.
        last = next((k for k in range(len(words) - 1, -1, -1) if _PATRONYMIC.search(words[k])), None)
        if last is not None:
            del words[last]
    return " ".join(words)


def _expert_names(expert):
    yield "expert", expert.name
    for relative in expert.relatives:
        yield "relative", relative.full_name
    for affiliation in expert.affiliations:
        yield "affiliation", affiliation.organisation_name


def _applicant_names(application, partners):
    org = application.organization
    yield "ngo", org.name_kk
    if org.name_ru != org.name_kk:
        yield "ngo", org.name_ru
    yield "head", org.head_name
    for name in partners.get(application.id, ()):
        yield "partner", name


def resemblance(mine, other):
    """The token-sort score of two normalised names when they resemble each other, else None. A name of fewer
    than four letters resembles nothing: "ОФ" alone would match every public foundation."""
    if len(mine) < 4 or len(other) < 4:
        return None
    score = int(fuzz.token_sort_ratio(mine, other))
    return score if score >= THRESHOLD else None


def resembles(left, right):
    """Whether two names as people write them (legal forms, case, order, Kazakh letters aside) are alike."""
    return resemblance(normalise(left), normalise(right)) is not None


def flags(assignments):
    """{assignment id: [Flag]} for the assignments whose two sides share a name-like string."""
    app_ids = sorted({a.application_id for a in assignments})
    partners = {}
    for start in range(0, len(app_ids), 1000):
        for app_id, name in db.session.execute(sa.select(Partner.application_id, Partner.name)
                                               .where(Partner.application_id.in_(app_ids[start:start + 1000]))):
            partners.setdefault(app_id, []).append(name)
    found = {}
    for assignment in assignments:
        theirs = [(side, name, normalise(name)) for side, name in _applicant_names(assignment.application, partners)]
        for side, name in _expert_names(assignment.expert):
            mine = normalise(name)
            for other_side, other_name, other in theirs:
                if (score := resemblance(mine, other)) is not None:
                    found.setdefault(assignment.id, []).append(Flag(side, name, other_side, other_name, score))
    return found
