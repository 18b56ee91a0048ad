"""The verbs of the operator's form builder: add, change, move and remove a block, start again.

A draft call's form is edited freely. A published call's form may be corrected, with a reason, only
until the first application to it is submitted: each correction is kept as a `FormCorrection` and
shown on the public page. Then, and once the call is closed, the form is frozen. Every verb builds the
whole new definition and refuses it with every problem `check_definition` finds.
"""

import copy

import sqlalchemy as sa

from grants import audit
from grants.appforms import templates as appform_templates
from grants.appforms.blocks import KIND_TITLES, KINDS, LANGUAGES, LIMITS, TEXT_KINDS, check_definition, localized
from grants.appforms.models import FormCorrection
from grants.calls.models import CallStatus, Topic
from grants.extensions import db
from grants.i18n import _
from grants.refusals import Refusal

EDITABLE, CORRECTABLE, FROZEN = "editable", "correctable", "frozen"


class FormError(Refusal):
    """A refusal of the form builder, with a message for the operator."""


class FormProblems(FormError):
    """Every problem of the definition a verb would have made; the form is left as it was."""

    def __init__(self, problems):
        self.problems = [str(p) for p in problems]
        super().__init__(" ".join(self.problems))


def any_submitted(call):
    """Whether an application of the call has ever been submitted (its versions are kept even if returned)."""
    from grants.applications.models import Application

    query = (sa.select(Application.id).join(Topic, Application.topic_id == Topic.id)
             .where(Topic.call_id == call.id)
             .where(sa.or_(Application.version_count > 0, Application.submitted_at.is_not(None))).limit(1))
    return db.session.execute(query).first() is not None


def form_state(call):
    """(EDITABLE | CORRECTABLE | FROZEN, why frozen or None)."""
    if call.status == CallStatus.draft:
        return EDITABLE, None
    if call.status == CallStatus.closed:
        return FROZEN, _("The application form is frozen: the call is closed.")
    if any_submitted(call):
        return FROZEN, _("The application form is frozen: an application to the call has already been submitted, "
                         "and its answers follow this form.")
    return CORRECTABLE, None


def _reason_for(call, reason):
    """The reason a correction needs, or None for a draft; refuses a frozen form."""
    state, why = form_state(call)
    if state == FROZEN:
        raise FormError(why)
    if state == EDITABLE:
        return None
    reason = (reason or "").strip()
    if not reason:
        raise FormError(_("Give the reason for the correction: the call is published, and the correction is "
                          "published with it."))
    return reason


def _find(definition, code):
    for i, block in enumerate(definition):
        if block.get("code") == code:
            return i
    raise FormError(_("The form has no block “%(code)s”.", code=code))


def _free_code(taken, prefix, start=1):
    n = start
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _texts(value):
    value = value if isinstance(value, dict) else {}
    return {lang: (value.get(lang) or "").strip() for lang in LANGUAGES if isinstance(value.get(lang) or "", str)}


def _rows(rows, prefix, extra=()):
    """Rows (options or columns) with their labels trimmed, rows without text left out, and a code for each:
    a row keeps its code; a new one gets o1, o2… (c1, c2…) by position, the first free from there."""
    kept = []
    for row in rows or ():
        if not isinstance(row, dict):
            kept.append(row)
            continue
        label = _texts(row.get("label"))
        if not any(label.values()):
            continue  # a blank line, or one whose texts the operator cleared to remove it
        kept.append({"code": (row.get("code") or "").strip(), "label": label,
                     **{k: row[k] for k in extra if row.get(k) is not None}})
    taken = {r["code"] for r in kept if isinstance(r, dict) and r["code"]}
    for n, row in enumerate(kept, start=1):
        if isinstance(row, dict) and not row["code"]:
            row["code"] = _free_code(taken, prefix, n)
            taken.add(row["code"])
    return kept


def _block(data, kind, code):
    """One block as it is kept, from what the operator typed: only the keys its kind has."""
    block = {"code": code, "kind": kind, "label": _texts(data.get("label"))}
    hint = _texts(data.get("hint"))
    if any(hint.values()):
        block["hint"] = hint
    block["required"] = bool(data.get("required"))
    for name in LIMITS.get(kind, {}):
        if data.get(name) is not None:
            block[name] = data[name]
    if kind in ("choice", "multi_choice"):
        block["options"] = _rows(data.get("options"), "o")
    if kind == "table":
        block["columns"] = _rows(data.get("columns"), "c", extra=("type",))
    if kind == "document" and data.get("types"):
        block["types"] = list(data["types"])
    if kind in TEXT_KINDS and data.get("prefill"):
        block["prefill"] = data["prefill"]
    return block


def _title(block):
    return localized(block.get("label")) or block.get("code")


def _save(actor, call, verb, new, reason, summary, before, after):
    problems = check_definition(new)
    if problems:
        raise FormProblems(problems)
    call.application_form = new  # a new list: a JSON column does not see changes made in place
    if reason is not None:
        correction = FormCorrection(call_id=call.id, reason=reason, summary=summary, by_id=actor.id)
        db.session.add(correction)
        call.form_corrections.append(correction)
        after = {**after, "reason": reason}
    audit.record(actor, f"call.form_{verb}", call, before, after)
    return new


def add_block(actor, call, data, position=None, reason=None):
    """Add a block (at `position`, 0-based, else at the end); its code, when not typed, is the first free qN."""
    reason = _reason_for(call, reason)
    kind = data.get("kind")
    if kind not in KINDS:
        raise FormError(_("Choose a kind of block."))
    definition = copy.deepcopy(call.application_form or [])
    code = (data.get("code") or "").strip() or _free_code({b.get("code") for b in definition}, "q")
    block = _block(data, kind, code)
    position = len(definition) if position is None else max(0, min(position, len(definition)))
    definition.insert(position, block)
    _save(actor, call, "add_block", definition, reason,
          _("Block “%(label)s” (%(kind)s) added.", label=_title(block), kind=KIND_TITLES[kind]),
          {}, {"block": block, "position": position + 1})
    return block


def update_block(actor, call, code, data, reason=None):
    """Change a block's texts, limits, options or columns; its kind stays, and after publication its code."""
    reason = _reason_for(call, reason)
    definition = copy.deepcopy(call.application_form or [])
    i = _find(definition, code)
    old = definition[i]
    new_code = (data.get("code") or "").strip() or code
    if new_code != code and call.status != CallStatus.draft:
        raise FormError(_("After publication a block's code cannot change: the answers are kept under it."))
    block = _block(data, old["kind"], new_code)
    if block == old:
        raise FormError(_("Nothing was changed."))
    definition[i] = block
    _save(actor, call, "update_block", definition, reason,
          _("Block “%(label)s” changed.", label=_title(block)), {"block": old}, {"block": block})
    return block


def move_block(actor, call, code, offset, reason=None):
    """Move a block one place up (offset -1) or down (+1)."""
    reason = _reason_for(call, reason)
    if offset not in (-1, 1):
        raise FormError(_("A block moves one place up or down."))
    definition = copy.deepcopy(call.application_form or [])
    i = _find(definition, code)
    j = i + offset
    if not 0 <= j < len(definition):
        raise FormError(_("The block is already first.") if offset < 0 else _("The block is already last."))
    definition[i], definition[j] = definition[j], definition[i]
    block = definition[j]
    summary = (_("Block “%(label)s” moved up.", label=_title(block)) if offset < 0
               else _("Block “%(label)s” moved down.", label=_title(block)))
    _save(actor, call, "move_block", definition, reason, summary, {"code": code, "position": i + 1},
          {"code": code, "position": j + 1})


def remove_block(actor, call, code, reason=None):
    reason = _reason_for(call, reason)
    definition = copy.deepcopy(call.application_form or [])
    i = _find(definition, code)
    block = definition.pop(i)
    _save(actor, call, "remove_block", definition, reason, _("Block “%(label)s” removed.", label=_title(block)),
          {"block": block, "position": i + 1}, {})


def reset_to_template(actor, call, reason=None):
    """Replace the form by the instrument's template, as a new call starts with."""
    reason = _reason_for(call, reason)
    before = [b.get("code") for b in call.application_form or []]
    definition = appform_templates.for_instrument(call.instrument)
    if definition == call.application_form:
        raise FormError(_("The form is already the instrument's template."))
    _save(actor, call, "reset_to_template", definition, reason,
          _("The form was started again from the instrument's template."), {"blocks": before},
          {"blocks": [b["code"] for b in definition]})
