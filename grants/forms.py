"""Form pieces shared by every package."""

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckbox(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, clearer than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
