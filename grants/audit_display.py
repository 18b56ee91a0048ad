"""The audit trail as a person reads it: who, what, which object and what changed, in the page's language.

Each package names its own verbs, objects, fields and coded values with `describe(...)`, next to the
services that write them; this module only looks the names up. What is not named shows as it was
stored, never as Python's `None`.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.i18n import _, _l, format_date, format_datetime, format_money

VERBS = {}  # "application.submit" -> lazy label
OBJECTS = {}  # "Application" -> lazy label of the kind of object
FIELDS = {}  # "deadline_at" -> lazy label
# (noun or object type, field) or field -> an enum class with a `title` property, a dict of lazy labels,
# or a function of the stored value
VALUES = {}
MONEY = set()  # fields that hold tenge
# Actors that are not users: the platform itself and people who answer without an account.
ACTORS = {
    "system": _l("The platform"),
    "beneficiary": _l("A beneficiary (anonymous)"),
    "public": _l("A visitor who did not sign in"),
    "self-registration": _l("Self-registration"),
    "seed-demo": _l("The demo world"),
    "import-history": _l("Import of past competitions"),
    "monitoring": _l("Daily monitoring sweep"),
    "cli": _l("Command line"),
}


def describe(verbs=None, objects=None, fields=None, values=None, money=()):
    """Name a package's verbs, objects, fields and coded values for the audit pages."""
    VERBS.update(verbs or {})
    OBJECTS.update(objects or {})
    FIELDS.update(fields or {})
    VALUES.update(values or {})
    MONEY.update(money)


def verb_label(verb):
    return VERBS.get(verb, verb)


def actor_label(event, users=None):
    user = (users or {}).get(event.actor_id)
    if user is not None:
        return f"{user.full_name} ({user.email})" if getattr(user, "full_name", None) else user.email
    return ACTORS.get(event.actor_label, event.actor_label)


@dataclass
class Entry:
    event: object
    who: str
    what: str
    kind: str
    name: str
    changes: list = field(default_factory=list)  # (field label, before, after)

    @property
    def raw(self):
        return json.dumps({"verb": self.event.verb, "object": f"{self.event.object_type}:{self.event.object_id}",
                           "before": self.event.before, "after": self.event.after}, ensure_ascii=False, indent=1)


def entries(events):
    """The events as entries of the page's language; a constant number of queries for any page."""
    from grants.auth.models import User

    actor_ids = {e.actor_id for e in events if e.actor_id}
    users = {u.id: u for u in db.session.execute(sa.select(User).where(User.id.in_(actor_ids))).scalars()} \
        if actor_ids else {}
    names = _object_names(events)
    regions = _region_names() if any(_mentions_region(e) for e in events) else {}
    return [Entry(event=e, who=actor_label(e, users), what=str(verb_label(e.verb)),
                  kind=str(OBJECTS.get(e.object_type, e.object_type)),
                  name=names.get((e.object_type, e.object_id)) or f"#{e.object_id}",
                  changes=_changes(e, regions)) for e in events]


def _model(object_type):
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == object_type:
            return mapper.class_
    return None


def _object_names(events):
    """Each object's own name or number, loaded in one query per kind of object on the page."""
    wanted = {}
    for e in events:
        wanted.setdefault(e.object_type, set()).add(e.object_id)
    names = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        if model is None or not hasattr(model, "id"):
            continue
        keys = [int(i) for i in ids if i.isdigit()]
        for obj in db.session.execute(sa.select(model).where(model.id.in_(keys))).scalars():
            names[(object_type, str(obj.id))] = _own_name(obj)
    return names


def _own_name(obj):
    for attr in ("number", "receipt_number", "code", "name", "title", "full_name", "email"):
        value = getattr(obj, attr, None)
        if value and isinstance(value, str):
            return value
    return None


def _mentions_region(event):
    return any(k in ("region", "regions") for d in (event.before or {}, event.after or {}) for k in d)


def _region_names():
    from grants.reference.models import Region

    return {r.kato: r.name for r in db.session.execute(sa.select(Region)).scalars()}


def _changes(event, regions):
    before, after = event.before or {}, event.after or {}
    noun = event.verb.split(".")[0]
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        label = FIELDS.get(key, key)
        shown = [_value(noun, event.object_type, key, side[key], regions) if key in side else None
                 for side in (before, after)]
        rows.append((str(label), *shown))
    return rows


def _value(noun, object_type, key, value, regions):
    """A stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(noun, object_type, key, v, regions) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    titles = VALUES.get((noun, key)) or VALUES.get((object_type, key)) or VALUES.get(key)
    if titles is not None:
        return _title(titles, value)
    if key in ("region", "regions") and value in regions:
        return regions[value]
    if key in MONEY:
        try:
            return format_money(value)
        except (ArithmeticError, ValueError, TypeError):
            return str(value)
    if isinstance(value, str) and (key.endswith("_at") or key.endswith("_on") or key.endswith("deadline")):
        return _moment(value)
    return str(value)


def _title(titles, value):
    if isinstance(titles, dict):
        return str(titles.get(value, value))
    if not isinstance(titles, type):
        return str(titles(value))
    try:
        return str(titles(value).title)
    except ValueError:
        return str(value)


def _moment(text):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if "T" in text:
        return format_datetime(moment)
    return format_date(date.fromisoformat(text))
