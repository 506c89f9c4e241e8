"""The public page of a ruling: what was checked, the rating and its explanation, who
checked and who approved it, with its schema.org ClaimReview embedded for search engines.

It is publication output, like the CSV and ClaimReview exports, so it lives in export,
above editorial (which decides what is published) rather than inside it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, session
from flask_login import current_user

from factcheck.auth.models import User
from factcheck.auth.security import public
from factcheck.claims.lifecycle import get_claim
from factcheck.editorial.lookups import ruling_of
from factcheck.export.claimreview import claim_review
from factcheck.export.queries import appearances
from factcheck.export.services import public_base_url
from factcheck.extensions import db
from factcheck.verdicts.services import revisions

bp = Blueprint("rulings", __name__)


@bp.route("/<int:claim_id>")
@public
def ruling(claim_id: int):
    """The published ruling on a claim, naming who checked and who approved it: public
    unless PUBLIC_RULINGS is off, and then cacheable for five minutes."""
    anonymous = not current_user.is_authenticated
    if anonymous and not current_app.config["PUBLIC_RULINGS"]:
        from factcheck.extensions import login_manager

        return login_manager.unauthorized()
    claim = get_claim(db.session, claim_id)
    ruling = ruling_of(db.session, claim)
    if ruling is None:
        abort(404)
    shown = ruling.decision.revision
    history = {r.id: r for r in revisions(db.session, claim)}
    rev = history.get(shown.id, shown)
    structured = None
    if ruling.status == "published":
        structured = claim_review(
            ruling,
            rev,
            claim,
            claim.article,
            organisation=current_app.config["ORGANISATION_NAME"],
            organisation_url=current_app.config["ORGANISATION_URL"],
            base_url=public_base_url(current_app.config),
            appearances=appearances(db.session, [claim.id])[claim.id],
        )
    response = make_response(
        render_template(
            "editorial/ruling.html",
            claim=claim,
            ruling=ruling,
            rev=rev,
            structured=structured,
            checked_by=db.session.get(User, ruling.fact_checker_id),
            approved_by=ruling.decision.editor,
            cacheable=anonymous,
        )
    )
    # Signed-in pages get no-store (security._security_headers). A response that sets a
    # cookie (a session that just ended) is never marked for shared caches.
    if anonymous and not session.modified:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response
