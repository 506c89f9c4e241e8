"""The claim pages: the queue, my claims, awaiting an editor, one claim with its whole
story, one verdict revision, promoting a missed sentence."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from factcheck.auth.queries import fact_checkers
from factcheck.auth.roles import Role
from factcheck.auth.security import login_required, roles_allowed
from factcheck.claims.lifecycle import ClaimStatus, get_claim
from factcheck.claims.models import Claim, Sentence
from factcheck.claims.priority import PRIORITY_RULE, queue_reasons, reason_of
from factcheck.claims.services import promote_sentence
from factcheck.claims.timeline import claim_timeline
from factcheck.db import bounded_int, utcnow
from factcheck.desk.queries import claim_contexts, in_status, waiting_for_editor
from factcheck.editorial.forms import DecisionForm, PublishForm, RetractForm
from factcheck.editorial.lookups import decisions, pending_correction, ruling_of
from factcheck.editorial.visibility import hidden_actions, sees_drafts, visible_revisions
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.forms import ActionForm
from factcheck.matching.forms import MatchDecisionForm
from factcheck.matching.queries import matches_for_claims, repeats_of, summary
from factcheck.paging import filter_args
from factcheck.review.forms import (
    AssignForm,
    DismissForm,
    MergeForm,
    QueueFilterForm,
    bulk_form,
)
from factcheck.review.queries import (
    QueueFilters,
    format_cursor,
    holder,
    holders_of,
    my_claims,
    open_assignment,
    parse_cursor,
    queue_page,
    queue_statuses,
    statuses_now,
)
from factcheck.sources.forms import PromoteForm
from factcheck.sources.queries import outlets_by_name
from factcheck.verdicts.diff import PAGE_BUDGET, Budget, diff_revisions

bp = Blueprint("claims", __name__)


def _filters(form: QueueFilterForm) -> QueueFilters:
    status = form.status.data or "open"
    statuses = queue_statuses(status)
    assignee: int | str | None = None
    if form.assignee.data == "none":
        assignee = "none"
    elif form.assignee.data == "me":
        assignee = current_user.id
    elif (holder_id := bounded_int(form.assignee.data)) is not None:
        assignee = holder_id
    return QueueFilters(
        statuses=statuses,
        min_score=float(form.min_score.data) if isinstance(form.min_score.data, Decimal) else None,
        max_score=float(form.max_score.data) if isinstance(form.max_score.data, Decimal) else None,
        outlet_id=bounded_int(form.outlet.data),
        claimant=(form.claimant.data or "").strip() or None,
        found_from=form.found_from.data,
        found_to=form.found_to.data,
        assignee=assignee,
        claim_type=form.claim_type.data or None,
        search=(form.q.data or "").strip() or None,
    )


@bp.route("/")
@login_required
def index():
    """The queue: claims by priority, filtered, a keyset page at a time."""
    form = QueueFilterForm(request.args)
    outlets = outlets_by_name(db.session)
    form.outlet.choices = [SelectChoice("", "Any outlet")] + [
        SelectChoice(str(o.id), o.name) for o in outlets
    ]
    form.assignee.choices = [
        SelectChoice("", "Anyone or no one"),
        SelectChoice("none", "Nobody"),
        SelectChoice("me", "Me"),
    ] + [SelectChoice(str(u.id), u.display_name) for u in fact_checkers(db.session)]
    if not form.validate():
        return render_template("claims/index.html", form=form, items=[], holders={}), 400
    # Reading writes nothing: a lease that ran out shows its claim as waiting ("new") and
    # free to take; `factcheck review expire-leases` (or the next take) records the release.
    now = utcnow()
    try:
        filters = _filters(form)
        page = queue_page(
            db.session,
            filters,
            now=now,
            after=parse_cursor(request.args.get("after")),
            limit=current_app.config["PAGE_SIZE"],
        )
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return render_template("claims/index.html", form=form, items=[], holders={}), 400
    args = filter_args(form)
    next_url = (
        url_for("claims.index", **args, after=format_cursor(page.next_cursor))
        if page.next_cursor
        else None
    )
    return render_template(
        "claims/index.html",
        form=form,
        items=page.items,
        holders=holders_of(db.session, [c.id for c in page.items], now),
        statuses=statuses_now(db.session, page.items, now),
        reasons=queue_reasons(page.items, now),
        priority_rule=PRIORITY_RULE,
        next_url=next_url,
        first_url=url_for("claims.index", **args) if request.args.get("after") else None,
        take_form=ActionForm(),
        match_summaries={
            claim_id: summary(found)
            for claim_id, found in matches_for_claims(
                db.session, [c.id for c in page.items]
            ).items()
        },
        bulk_form=bulk_form(current_user, fact_checkers(db.session)),
    )


@bp.route("/mine")
@roles_allowed(Role.FACT_CHECKER)
def mine():
    """The claims I hold, and my verdicts waiting for an editor."""
    held = my_claims(db.session, current_user, utcnow())
    waiting = waiting_for_editor(db.session, current_user)
    return render_template("claims/mine.html", held=held, waiting=waiting, next_form=ActionForm())


@bp.route("/awaiting")
@roles_allowed(Role.EDITOR)
def awaiting():
    """Submitted verdicts waiting for an editor, oldest first; approved ones to publish."""
    submitted = in_status(db.session, ClaimStatus.SUBMITTED)
    approved = in_status(db.session, ClaimStatus.APPROVED)
    return render_template("claims/awaiting.html", submitted=submitted, approved=approved)


@bp.route("/<int:claim_id>")
@login_required
def claim(claim_id: int):
    """One claim: context, who holds it, its verdict, revision history, decisions, timeline."""
    item = db.session.get(Claim, claim_id)
    if item is None:
        abort(404)
    now = utcnow()
    # Unpublished verdicts are for the desk (editorial.visibility); others read rulings.
    desk = sees_drafts(current_user)
    history = visible_revisions(db.session, item, current_user)
    # One budget for the page: newest pairs first, so the changes people read are the
    # ones marked word by word when a long history uses it up.
    page_budget = Budget(PAGE_BUDGET)
    diffs = [
        (rev, diff_revisions(history[i - 1] if i else None, rev, budget=page_budget))
        for i, rev in reversed(list(enumerate(history)))
    ][::-1]
    assign_form = AssignForm()
    assign_form.assignee.choices = [
        SelectChoice(u.id, u.display_name) for u in fact_checkers(db.session)
    ]
    latest = history[-1] if history else None
    return render_template(
        "claims/claim.html",
        claim=item,
        why=reason_of(item, now),
        contexts=claim_contexts(db.session, item),
        status=statuses_now(db.session, [item], now)[item.id],
        lease=holder(db.session, item, now),
        stale_lease=open_assignment(db.session, item),
        latest=latest,
        diffs=list(reversed(diffs)),
        decisions=decisions(db.session, item) if desk else [],
        ruling=ruling_of(db.session, item),
        pending_correction=pending_correction(db.session, item) if desk else None,
        timeline=claim_timeline(db.session, item, hidden=hidden_actions(current_user)),
        action_form=ActionForm(),
        assign_form=assign_form,
        dismiss_form=DismissForm(),
        merge_form=MergeForm(),
        decision_form=DecisionForm(revision_id=latest.id if latest else ""),
        publish_form=PublishForm(),
        retract_form=RetractForm(),
        duplicate_of=db.session.get(Claim, item.duplicate_of_id) if item.duplicate_of_id else None,
        matches=matches_for_claims(db.session, [item.id]).get(item.id, []),
        repeats=repeats_of(db.session, item.id),
        match_form=MatchDecisionForm(),
    )


@bp.route("/promote/<int:sentence_id>", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def promote(sentence_id: int):
    """Make a claim of a sentence the classifier did not flag."""
    sentence = db.session.get(Sentence, sentence_id)
    if sentence is None:
        abort(404)
    form = PromoteForm()
    if not form.validate_on_submit():
        flash(
            "; ".join(e for errs in form.errors.values() for e in errs) or "Invalid request.",
            "error",
        )
        return redirect(url_for("sources.article", article_id=sentence.article_id)), 400
    try:
        item = promote_sentence(
            db.session,
            sentence,
            actor=current_user._get_current_object(),
            text=form.claim_text.data or None,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("sources.article", article_id=sentence.article_id))
    db.session.commit()
    flash("The sentence is now a claim in the queue.", "success")
    return redirect(url_for("claims.claim", claim_id=item.id))


@bp.route("/<int:claim_id>/revisions/<int:number>")
@login_required
def revision(claim_id: int, number: int):
    """One earlier revision, whole, with what it changed from the one before it. Off the
    desk only published revisions are shown (editorial.visibility), each compared with the
    published one before it."""
    claim = get_claim(db.session, claim_id)
    history = visible_revisions(db.session, claim, current_user)
    index = next((i for i, r in enumerate(history) if r.number == number), None)
    if index is None:
        abort(404)
    rev = history[index]
    previous = history[index - 1] if index else None
    return render_template(
        "verdicts/revision.html",
        claim=claim,
        rev=rev,
        previous=previous,
        following=history[index + 1] if index + 1 < len(history) else None,
        changes=diff_revisions(previous, rev),
        latest_number=history[-1].number,
    )
