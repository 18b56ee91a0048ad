"""The operator's form for one block: texts in three languages, the limits, options, columns, file types."""

from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import Length, Optional

from grants.appforms.blocks import COLUMN_TITLES, COLUMN_TYPES, FILE_TYPES, LIMITS, PREFILL, TEXT_KINDS
from grants.forms import Form, MultiCheckbox, RowForm, choices
from grants.i18n import _l

# What each limit means, in words, by the kind of block it limits.
LIMIT_TITLES = {
    ("long_text", "max_length"): _l("Most characters"),
    ("short_text", "max_length"): _l("Most characters"),
    ("number", "min"): _l("Smallest number"),
    ("number", "max"): _l("Largest number"),
    ("money", "max"): _l("Largest amount, tenge"),
    ("table", "max_rows"): _l("Most lines"),
    ("document", "min"): _l("Fewest files"),
    ("document", "max"): _l("Most files"),
    ("document", "max_mb"): _l("Largest file, MB"),
    ("budget", "years"): _l("Years, each with its own budget"),
    ("indicators", "years"): _l("Years, each with its own targets"),
}
BLANK_ROWS = 3


class OptionRow(RowForm):
    code = HiddenField()
    label_kk = StringField(_l("Label in Kazakh"), validators=[Optional(), Length(max=2000)])
    label_ru = StringField(_l("Label in Russian"), validators=[Optional(), Length(max=2000)])
    label_en = StringField(_l("Label in English"), validators=[Optional(), Length(max=2000)])


class ColumnRow(OptionRow):
    type = SelectField(_l("Type"), default="text", choices=choices([(t, COLUMN_TITLES[t]) for t in COLUMN_TYPES]))


class ReasonForm(Form):
    """The buttons of the form's page: CSRF, and the reason a correction of a published form needs."""

    reason = TextAreaField(_l("Reason for the correction"), validators=[Optional(), Length(max=2000)])


def block_form_class(kind, new):
    """The form for a block of `kind`; only a new block's code may be typed."""

    class BlockForm(ReasonForm):
        label_kk = StringField(_l("Label in Kazakh"), validators=[Optional(), Length(max=2000)])
        label_ru = StringField(_l("Label in Russian"), validators=[Optional(), Length(max=2000)])
        label_en = StringField(_l("Label in English"), validators=[Optional(), Length(max=2000)])
        hint_kk = TextAreaField(_l("Hint in Kazakh"), validators=[Optional(), Length(max=2000)])
        hint_ru = TextAreaField(_l("Hint in Russian"), validators=[Optional(), Length(max=2000)])
        hint_en = TextAreaField(_l("Hint in English"), validators=[Optional(), Length(max=2000)])
        required = BooleanField(_l("The applicant must answer it"))

    if new:
        BlockForm.code = StringField(_l("Code (optional)"), validators=[Optional(), Length(max=16)],
                                     description=_l("Small Latin letters, digits and underscores; answers are kept "
                                                    "under it. Left empty, it is given one."))
    for name in LIMITS.get(kind, {}):
        setattr(BlockForm, f"limit_{name}", IntegerField(LIMIT_TITLES[(kind, name)], validators=[Optional()]))
    if kind in ("choice", "multi_choice"):
        BlockForm.options = FieldList(FormField(OptionRow), _l("Options"), min_entries=BLANK_ROWS, max_entries=40)
    if kind == "table":
        BlockForm.columns = FieldList(FormField(ColumnRow), _l("Columns"), min_entries=BLANK_ROWS, max_entries=12)
    if kind in TEXT_KINDS:
        BlockForm.prefill = SelectField(_l("Filled in from the NGO's profile"), default="", choices=choices(
            [("", _l("No: the applicant writes it"))] + list(PREFILL.items())))
    if kind == "document":
        BlockForm.types = MultiCheckbox(_l("Kinds of file allowed"), choices=choices([(t, t) for t in FILE_TYPES]),
                                        description=_l("None chosen: every kind the platform accepts."))
    return BlockForm


def _three(prefix, texts):
    texts = texts or {}
    return {f"{prefix}_{lang}": texts.get(lang, "") for lang in ("kk", "ru", "en")}


def form_data(block):
    """A kept block as the form's data, with blank rows below its options or columns."""
    data = _three("label", block.get("label")) | _three("hint", block.get("hint"))
    data["required"] = bool(block.get("required"))
    for name in LIMITS.get(block["kind"], {}):
        data[f"limit_{name}"] = block.get(name)
    blank = [{}] * BLANK_ROWS
    if "options" in block:
        data["options"] = [{"code": o.get("code"), **_three("label", o.get("label"))} for o in block["options"]] + blank
    if "columns" in block:
        data["columns"] = [{"code": c.get("code"), "type": c.get("type", "text"), **_three("label", c.get("label"))}
                           for c in block["columns"]] + blank
    if block.get("types"):
        data["types"] = list(block["types"])
    data["prefill"] = block.get("prefill") or ""
    return data


def block_data(form, kind):
    """What the operator typed, as the service's data."""

    def texts(prefix, row):
        return {lang: row.get(f"{prefix}_{lang}") or "" for lang in ("kk", "ru", "en")}

    data = {"kind": kind, "label": texts("label", form.data), "hint": texts("hint", form.data),
            "required": form.required.data}
    if "code" in form:
        data["code"] = form.code.data or ""
    for name in LIMITS.get(kind, {}):
        data[name] = form[f"limit_{name}"].data
    if "options" in form:
        data["options"] = [{"code": r["code"] or "", "label": texts("label", r)} for r in form.options.data]
    if "columns" in form:
        data["columns"] = [{"code": r["code"] or "", "type": r["type"], "label": texts("label", r)}
                           for r in form.columns.data]
    if "types" in form:
        data["types"] = list(form.types.data or [])
    if "prefill" in form:
        data["prefill"] = form.prefill.data or None
    return data


def with_blank_rows(form):
    """At least BLANK_ROWS empty rows below the filled ones, after a refused POST too."""
    for name in ("options", "columns"):
        if name in form:
            rows = form[name]
            blank = sum(1 for r in rows if not any((r.form[f"label_{lang}"].data or "").strip()
                                                   for lang in ("kk", "ru", "en")))
            for _ in range(max(0, BLANK_ROWS - blank)):
                if len(rows) < rows.max_entries:
                    rows.append_entry()
    return form
