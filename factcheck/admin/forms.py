"""Forms for managing people."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from factcheck.auth.roles import Role
from factcheck.db import MAX_ID

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class RolesField(SelectMultipleField):
    """Roles as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserEditForm(FlaskForm):
    """Display name and roles of an existing user."""

    display_name = StringField(
        "Display name", validators=[DataRequired("Enter a display name."), Length(max=120)]
    )
    roles = RolesField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Give the user at least one role.")]
    )
    submit = SubmitField("Save")


class UserCreateForm(UserEditForm):
    """A new user; leave the password empty to generate a one-time password."""

    email = EmailField(
        "Email", validators=[DataRequired("Enter an email address."), Length(max=254)]
    )
    password = PasswordField(
        "Initial password",
        validators=[Optional()],
        description="Leave empty to generate a one-time password the user must change "
        "at first sign-in.",
    )
    submit = SubmitField("Create user")


class ActionForm(FlaskForm):
    """An empty form for button actions (deactivate, reset password): CSRF only."""


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, from the query string."""

    class Meta:
        csrf = False

    actor = StringField("Who (email)", validators=[Optional(), Length(max=254)])
    action = StringField("Action starts with", validators=[Optional(), Length(max=64)])
    entity_type = StringField("Entity type", validators=[Optional(), Length(max=40)])
    entity_id = IntegerField(
        "Entity id", validators=[Optional(), NumberRange(1, MAX_ID, "Not a record number.")]
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


class RatingForm(FlaskForm):
    """A new rating on the default scale."""

    label = StringField(
        "Label", validators=[DataRequired("Give the rating a label."), Length(max=60)]
    )
    bucket = SelectField(
        "Counts as",
        choices=[SelectChoice(b, b.capitalize()) for b in ("true", "false", "mixed", "other")],
    )
    value = DecimalField("Value on the scale", places=1, validators=[Optional()])
    colour = StringField("Colour (#rrggbb)", validators=[Optional(), Length(max=7)])
    definition = TextAreaField("Definition", validators=[Optional(), Length(max=2000)])
