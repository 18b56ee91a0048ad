"""The WTForms field for each block of a definition: how an answer is typed and read back.

Every field is optional while the draft is saved (an application is written over days); whether a
required block is answered is checked at submission, by `grants.applications.readiness.problems`.
"""

import wtforms
from flask_babel import LazyString
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import Length, NumberRange, Optional

from grants.appforms.blocks import DATE_YEARS
from grants.forms import DecimalField, MultiCheckbox, RowForm, choices
from grants.i18n import _, _l


class DateField(wtforms.DateField):
    """A calendar date within the years a form may ask about; "0001-01-01" is a typo, not a date."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        first, last = DATE_YEARS
        if self.data is not None and not first <= self.data.year <= last:
            self.data = None
            raise ValueError(_("Give a date between the years %(first)d and %(last)d.", first=first, last=last))


class OptionalRadio(wtforms.RadioField):
    """Radio buttons that may be left unanswered in a draft; an answer must be one of the options."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class OptionalSelect(SelectField):
    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)


def _lazy(read):
    """A label or hint read in the page's language when drawn: a form class is built once per definition."""
    return LazyString(read)


def _column_field(column):
    label = _lazy(lambda: column.label)
    if column.type == "number":
        return IntegerField(label, validators=[Optional(), NumberRange(0, 10**9)])
    if column.type == "money":
        return DecimalField(label, places=2, validators=[Optional(), NumberRange(min=0, max=10**12)])
    if column.type == "date":
        return DateField(label, validators=[Optional()])
    return StringField(label, validators=[Optional(), Length(max=2000)])


def row_form_class(block):
    """A table block's line: one field per column."""
    return type(f"Row_{block.code}", (RowForm,), {c.code: _column_field(c) for c in block.columns})


def field_for(block):
    """The unbound WTForms field that asks a value block's question."""
    label, hint = _lazy(lambda: block.label), _lazy(lambda: block.hint)
    if block.kind == "long_text":
        return TextAreaField(label, description=hint,
                             validators=[Optional(), Length(max=block.limit("max_length"))])
    if block.kind == "short_text":
        return StringField(label, description=hint, validators=[Optional(), Length(max=block.limit("max_length"))])
    if block.kind == "number":
        return IntegerField(label, description=hint,
                            validators=[Optional(), NumberRange(block.limit("min"), block.limit("max"))])
    if block.kind == "money":
        return DecimalField(label, description=hint, places=2,
                            validators=[Optional(), NumberRange(min=0, max=block.limit("max"))])
    if block.kind == "date":
        return DateField(label, description=hint, validators=[Optional()])
    if block.kind == "choice":
        return OptionalSelect(label, description=hint,
                              choices=choices([("", _l("— choose —"))] + block.options))
    if block.kind == "multi_choice":
        return MultiCheckbox(label, description=hint, choices=choices(block.options))
    if block.kind == "yes_no":
        return OptionalRadio(label, description=hint, choices=choices([("yes", _l("Yes")), ("no", _l("No"))]))
    if block.kind == "table":
        return FieldList(FormField(row_form_class(block)), label, description=hint, min_entries=1,
                         max_entries=block.limit("max_rows"))
    raise ValueError(f"{block.kind} has no single field")
