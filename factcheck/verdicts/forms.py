"""The verdict editor and the correction form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from factcheck.claims.models import CLAIM_TYPES
from factcheck.db import MAX_ID, bounded_int
from factcheck.errors import InvalidInput
from factcheck.verdicts.inputs import (
    CLAIM_TEXT_MAX,
    NAME_MAX,
    NOTE_MAX,
    PUBLISHER_MAX,
    TITLE_MAX,
    URL_MAX,
    EvidenceInput,
    VerdictInput,
    check_url,
)
from factcheck.verdicts.models import SUMMARY_MAX

BLANK_SOURCES = 2

# Shown when a verdict or correction form comes back with a stale CSRF token.
STALE_FORM = (
    "The form's security token expired or did not match (the page was open a long time, or "
    "you signed in again elsewhere). Nothing was saved; your text is kept below: save again."
)


class EvidenceForm(Form):
    """One source; a row with no address is ignored (the blank rows for adding more)."""

    url = URLField("Address", validators=[Optional(), Length(max=URL_MAX)])
    title = StringField("Title", validators=[Optional(), Length(max=TITLE_MAX)])
    publisher = StringField("Publisher", validators=[Optional(), Length(max=PUBLISHER_MAX)])
    accessed_on = DateField("Date accessed", validators=[Optional()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=NOTE_MAX)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        url = (self.url.data or "").strip()
        if not url:
            if any((self.title.data, self.publisher.data, self.note.data)):
                self.url.errors = [
                    *self.url.errors,
                    "Give the source's address, or clear this row.",
                ]
                return False
            return ok
        try:
            check_url(url)
        except InvalidInput as exc:
            self.url.errors = [*self.url.errors, exc.message]
            return False
        return ok


class VerdictForm(FlaskForm):
    """Rating, conclusion, explanation, evidence, and the claim's editable fields."""

    base_revision = HiddenField()
    claim_text = TextAreaField(
        "Claim (as checked)",
        validators=[DataRequired("Enter the claim."), Length(max=CLAIM_TEXT_MAX)],
    )
    claimant_name = StringField("Claimant", validators=[Optional(), Length(max=NAME_MAX)])
    claimant_role = StringField("Claimant's role", validators=[Optional(), Length(max=NAME_MAX)])
    claimed_on = DateField("Date claimed", validators=[Optional()])
    claim_type = SelectField(
        "Claim type",
        choices=[SelectChoice("", "—")] + [SelectChoice(t, t.capitalize()) for t in CLAIM_TYPES],
        validators=[Optional()],
    )
    rating = SelectField("Rating", coerce=str, validators=[Optional()])
    summary = TextAreaField(
        "Conclusion",
        description=f"At most {SUMMARY_MAX} characters; shown with the rating and used as "
        "the ClaimReview explanation.",
        validators=[Optional(), Length(max=SUMMARY_MAX)],
    )
    explanation = TextAreaField("Explanation", validators=[Optional(), Length(max=100_000)])
    evidence = FieldList(FormField(EvidenceForm), min_entries=1, max_entries=50)
    save = SubmitField("Save draft")
    submit_for_approval = SubmitField("Save and submit for approval")

    def set_ratings(self, ratings) -> None:  # noqa: ANN001
        self.rating.choices = [SelectChoice("", "— choose a rating —")] + [
            SelectChoice(str(r.id), r.label) for r in ratings
        ]

    def base_revision_id(self) -> int | None:
        value = (self.base_revision.data or "").strip()
        return bounded_int(value)

    def to_input(self) -> VerdictInput:
        return VerdictInput(
            claim_text=self.claim_text.data or "",
            rating_id=bounded_int(self.rating.data),
            summary=self.summary.data,
            explanation=self.explanation.data or "",
            claimant_name=self.claimant_name.data,
            claimant_role=self.claimant_role.data,
            claimed_on=self.claimed_on.data,
            claim_type=self.claim_type.data or None,
            evidence=[
                EvidenceInput(
                    url=row.url.data,
                    title=row.title.data,
                    publisher=row.publisher.data,
                    accessed_on=row.accessed_on.data,
                    note=row.note.data,
                )
                for row in (entry.form for entry in self.evidence)
                if (row.url.data or "").strip()
            ],
        )

    def fill_from(self, claim, revision) -> None:  # noqa: ANN001
        """Start the form from the latest revision (or the claim, for a first verdict)."""
        self.base_revision.data = str(revision.id) if revision else ""
        self.claim_text.data = revision.claim_text if revision else claim.text
        self.claimant_name.data = revision.claimant_name if revision else claim.claimant_name
        self.claimant_role.data = revision.claimant_role if revision else claim.claimant_role
        self.claimed_on.data = revision.claimed_on if revision else claim.claimed_on
        self.claim_type.data = claim.claim_type or ""
        if revision:
            self.rating.data = str(revision.rating_id) if revision.rating_id else ""
            self.summary.data = revision.summary
            self.explanation.data = revision.explanation
            while len(self.evidence.entries):
                self.evidence.pop_entry()
            for source in revision.evidence:
                self.evidence.append_entry(
                    {
                        "url": source.url,
                        "title": source.title,
                        "publisher": source.publisher,
                        "accessed_on": source.accessed_on,
                        "note": source.note,
                    }
                )

    def add_blank_rows(self) -> None:
        """Leave empty rows for more sources (no script needed to add one)."""
        blanks = sum(1 for e in self.evidence if not (e.form.url.data or "").strip())
        for _ in range(max(0, BLANK_SOURCES - blanks)):
            if len(self.evidence.entries) >= (self.evidence.max_entries or 50):
                break
            self.evidence.append_entry()


class CorrectionForm(VerdictForm):
    """A correction to a published ruling: the verdict as corrected, plus a public note."""

    note = TextAreaField(
        "Correction note (public)",
        validators=[DataRequired("Say what was corrected, for readers."), Length(max=5000)],
    )
    save = None
    submit_for_approval = None
    publish_correction = SubmitField("Publish correction")


class RevisionPick(FlaskForm):
    """Names the revision an editor is deciding on."""

    revision_id = IntegerField(validators=[DataRequired(), NumberRange(1, MAX_ID)])
