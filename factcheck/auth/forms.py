"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)]
    )
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    """Current password, and the new one twice."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password.")])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords do not match."),
        ],
    )
    submit = SubmitField("Change password")


class LogoutForm(FlaskForm):
    """An empty form: signing out is a POST carrying a CSRF token."""


class TokenForm(FlaskForm):
    """A new API token."""

    name = StringField(
        "Name",
        description="What will use it, e.g. “newsroom CMS import script”.",
        validators=[DataRequired("Name the token."), Length(max=100)],
    )
    expires_in_days = IntegerField(
        "Expires after (days)",
        description="Leave empty for a token that lasts until revoked.",
        validators=[Optional(), NumberRange(1, 3650)],
    )
    submit = SubmitField("Create token")
