"""Sign-in, account and user administration forms."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from grants.auth.models import Role
from grants.forms import Form, MultiCheckbox, choices
from grants.i18n import LANGUAGE_NAMES, _l


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def role_choices():
    return choices((r.value, r.title) for r in Role)


class ProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    locale = SelectField(_l("Interface language"), choices=choices(LANGUAGE_NAMES.items()))


class PasswordChangeForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )


class ForgotForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=255)])


class ResetForm(Form):
    new = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )


class UserCreateForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=255)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    roles = MultiCheckbox(_l("Roles"), validators=[DataRequired(_l("Choose at least one role."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = role_choices()


class UserEditForm(Form):
    roles = MultiCheckbox(_l("Roles"), validators=[DataRequired(_l("Choose at least one role."))])
    active = BooleanField(_l("Account is active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = role_choices()


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change state."""


class RegisterForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Password again"), validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))]
    )


class CodeForm(Form):
    """A code from the authenticator app (six digits), or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})


class TwoFactorOffForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code"})


class EdsForm(Form):
    """The signature NCALayer made of the page's challenge; in the demo, whose test key signs instead."""

    signature = HiddenField()
    person = SelectField(_l("Demo test key of"), choices=[], validate_choice=False)


class EdsLinkForm(Form):
    """An existing account the certificate is linked to: its e-mail and password prove it is the signer's."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class EdsNewAccountForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=255)])
