"""The one form of a comment: what is said, to whom, a file, the colleagues told."""

from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from grants.comments.models import MAX_BODY
from grants.forms import Form, MultiCheckbox
from grants.i18n import _l


class CommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(_l("Write the comment.")), Length(max=MAX_BODY)])
    visibility = SelectField(_l("Who reads it"))
    mentions = MultiCheckbox(_l("Tell colleagues"), coerce=int, validate_choice=False)
    attachment = FileField(_l("A file, if needed (PDF, DOCX, XLSX, JPG or PNG)"))
