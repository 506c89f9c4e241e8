"""The ingest form: pasted text, a web address or an uploaded file, plus metadata."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from factcheck.sources.limits import MAX_TEXT_CHARACTERS


class IngestForm(FlaskForm):
    """Exactly one of text, url or file; metadata is optional and wins over what is found."""

    text = TextAreaField("Paste text", validators=[Optional(), Length(max=MAX_TEXT_CHARACTERS)])
    url = StringField("…or a web address", validators=[Optional(), Length(max=2048)])
    file = FileField(
        "…or upload a file",
        validators=[
            FileAllowed(
                ["txt", "text", "md", "html", "htm", "pdf", "docx"],
                "Upload a .txt, .html, .pdf or .docx file.",
            ),
        ],
    )
    title = StringField("Title", validators=[Optional(), Length(max=500)])
    source_url = StringField("Published at (URL)", validators=[Optional(), Length(max=2048)])
    outlet = StringField("Outlet", validators=[Optional(), Length(max=200)])
    author = StringField("Author", validators=[Optional(), Length(max=300)])
    published_on = DateField("Published on", validators=[Optional()])
    language = StringField("Language", default="en", validators=[Optional(), Length(max=16)])
    submit = SubmitField("Find claims")

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        given = [
            bool(self.text.data and self.text.data.strip()),
            bool(self.url.data),
            bool(self.file.data),
        ]
        if sum(given) == 0:
            self.form_errors.append("Paste some text, give a web address or upload a file.")
            return False
        if sum(given) > 1:
            self.form_errors.append("Give only one of: pasted text, a web address, a file.")
            return False
        return ok


class PromoteForm(FlaskForm):
    """Make a sentence a claim; the claim text may be edited."""

    claim_text = TextAreaField("Claim", validators=[Optional(), Length(max=5000)])

    def validate_claim_text(self, field) -> None:  # noqa: ANN001
        if field.data is not None and field.data != "" and not field.data.strip():
            raise ValidationError("The claim text is empty.")


class BulkIngestForm(FlaskForm):
    """A .csv or .jsonl of articles, one row each, ingested as one job."""

    file = FileField(
        "A .csv or .jsonl file",
        validators=[
            FileRequired("Choose a .csv or .jsonl file to upload."),
            FileAllowed(["csv", "jsonl"], "Upload a .csv or .jsonl file."),
        ],
    )
    submit = SubmitField("Ingest the articles")
