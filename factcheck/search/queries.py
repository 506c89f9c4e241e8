"""Reads of the search page: ranked, filtered, highlighted hits of each kind.

Each kind (our rulings, imported rulings, claimants, claims, articles) has its own index
and its own ranking: bm25() over its FTS5 table on SQLite (column weights below), and
ts_rank_cd(vector, query, 1) on PostgreSQL (the rank divided by 1 + log of the
document's length). Scores of different kinds are not on one scale (bm25 depends on each
table's word statistics), so kinds are never interleaved by score: the page shows each
kind's best hits in its own section, in a fixed order (rulings first: "has this been
checked already?"), and a kind's own tab pages through it.

A page of hits is read in three statements per kind, however many hits: the ranked page
of ids (ranking the newest RANK_WINDOW matches at most), the rows to show (no article
text), and the highlighted fields of those rows only (FTS5 highlight()/snippet() on
SQLite, ts_headline on PostgreSQL). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from markupsafe import Markup, escape

from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.claims.models import Claim
from factcheck.editorial.models import EditorialDecision, Ruling
from factcheck.errors import InvalidInput
from factcheck.matching.index import nearest
from factcheck.matching.models import ExternalRuling
from factcheck.search import models as index
from factcheck.search.syntax import SearchQuery, Term
from factcheck.sources.models import Article
from factcheck.verdicts.models import Rating, VerdictRevision

# Kinds in the order the page shows them, with the filters each can honour; a kind is
# left out while a filter it cannot apply is set (rating means nothing for an article).
KINDS = ("rulings", "external", "claimants", "claims", "articles")
KIND_LABELS = {
    "rulings": "Our rulings",
    "external": "Rulings from elsewhere",
    "claimants": "Claimants",
    "claims": "Claims",
    "articles": "Articles",
}
FILTERS_OF = {
    "rulings": {"status", "rating", "date", "outlet", "claimant"},
    "external": {"rating", "date", "claimant"},
    "claimants": {"status", "date", "outlet", "claimant"},
    "claims": {"status", "date", "outlet", "claimant"},
    "articles": {"date", "outlet"},
}
# Paging bounds: a page of one kind has PAGE_SIZE hits, pages go up to MAX_PAGE (offset
# paging, so the database never skips more than PAGE_SIZE * MAX_PAGE ranked rows); the
# all-kinds page shows SECTION_SIZE hits of each. Claimants: at most MAX_CLAIMANTS names.
PAGE_SIZE = 20
MAX_PAGE = 50
SECTION_SIZE = 5
MAX_CLAIMANTS = 200
# Ranking bound: when more than RANK_WINDOW rows of a kind match, only the newest
# RANK_WINDOW of them are ranked (the page says so); bm25 and ts_rank_cd read each match.
RANK_WINDOW = 2000
# PostgreSQL: ts_headline reads at most this much of a long text (an article's page of
# hits stays fast; a match further in is found, but its excerpt is the text's start).
HEADLINE_CHARS = 20_000
# Highlight markers: private-use characters that the query parser strips from input.
OPEN, CLOSE = "\ue000", "\ue001"
# PostgreSQL: < and > stand in as these while ts_headline reads a text.
ANGLES = "\ue002\ue003"
_UNHIDE = {ord(ANGLES[0]): "<", ord(ANGLES[1]): ">"}
# bm25 column weights (SQLite), in each FTS table's column order.
WEIGHTS = {
    "claims_fts": (1.0, 2.0),
    "articles_fts": (3.0, 1.0),
    "rulings_fts": (2.0, 2.0, 1.0, 0.5),
    "external_rulings_fts": (2.0, 2.0, 1.0, 1.0),
}


@dataclass(frozen=True)
class SearchFilters:
    """What the hits are narrowed to; every field is optional."""

    statuses: tuple[str, ...] = ()
    rating: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    outlet_id: int | None = None
    claimant: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.statuses) - set(CLAIM_STATUSES)
        if unknown:
            raise InvalidInput(f"Unknown status: {', '.join(sorted(unknown))}.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("The start date is after the end date.")

    def set_filters(self) -> set[str]:
        names = {
            "status": bool(self.statuses),
            "rating": bool(self.rating),
            "date": bool(self.date_from or self.date_to),
            "outlet": self.outlet_id is not None,
            "claimant": bool(self.claimant),
        }
        return {name for name, on in names.items() if on}

    def kinds(self) -> tuple[str, ...]:
        """The kinds that can honour every filter set."""
        wanted = self.set_filters()
        return tuple(k for k in KINDS if wanted <= FILTERS_OF[k])

    def start(self) -> datetime | None:
        return datetime.combine(self.date_from, time(), UTC) if self.date_from else None

    def end(self) -> datetime | None:
        """The first instant after date_to."""
        if not self.date_to:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time(), UTC)


@dataclass
class Hit:
    """One hit: its kind, the row (or a claimant's name), and highlighted fields."""

    kind: str
    key: Any
    score: float
    row: Any = None
    marked: dict[str, Markup] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class KindPage:
    kind: str
    hits: list[Hit]
    has_more: bool
    # More than RANK_WINDOW rows matched: the newest RANK_WINDOW were ranked.
    capped: bool = False


# --- highlighting --------------------------------------------------------------------


def mark(text: str | None) -> Markup:
    """Escape the text, then turn the match markers into <mark> elements.

    Everything typed by anyone is escaped first; only the two private-use markers the
    database put around matches become markup, and only in balanced pairs (a marker that
    was already in the stored text cannot open a tag that never closes)."""
    if not text:
        return Markup("")
    out: list[str] = []
    open_ = False
    for char in str(escape(text.translate(_UNHIDE))):
        if char == OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif char == CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(char)
    if open_:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704  (escaped above; only <mark> added)


def mark_words(text: str, query: SearchQuery) -> Markup:
    """Mark the words of `text` that start like a word of the query (claimant names,
    which have no index row of their own to highlight)."""
    stems = {w.lower()[:5] for g in query.groups for t in g for w in t.words}
    parts = []
    for word in text.split(" "):
        hit = any(word.lower().startswith(s) for s in stems if s)
        parts.append(f"{OPEN}{word}{CLOSE}" if hit else word)
    return mark(" ".join(parts))


# --- query building, per backend -----------------------------------------------------


def _postgres(session: so.Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lit(sql: str) -> sa.ColumnElement:
    return sa.literal_column(sql)


_CONFIG = "'english'::regconfig"
_TSQUERY = sa.dialects.postgresql.TSQUERY


def _vec(table: str) -> sa.ColumnElement:
    """A table's stored tsvector column (PostgreSQL; not mapped, see search.models)."""
    return sa.literal_column(f"{table}.{index.VECTOR_COLUMN}", sa.dialects.postgresql.TSVECTOR)


def _claimant_match(table: str, tsq: sa.ColumnElement) -> tuple[sa.ColumnElement, ...]:
    """The rows whose claimant's name matches, through the name's own GIN index (the
    expression is the index's, in search.models)."""
    vector = sa.literal_column(
        index.CLAIMANT_VECTORS[table].replace("coalesce(", f"coalesce({table}."),
        sa.dialects.postgresql.TSVECTOR,
    )
    return (vector.bool_op("@@")(tsq),)


def _ts_term(term: Term) -> sa.ColumnElement:
    if term.prefix:
        # A prefix word is letters and digits only (syntax.parse checked), so it is safe
        # inside to_tsquery's syntax; it is still a bound parameter.
        return sa.func.to_tsquery(_lit(_CONFIG), term.words[0] + ":*", type_=_TSQUERY)
    if len(term.words) > 1:
        return sa.func.phraseto_tsquery(_lit(_CONFIG), term.text, type_=_TSQUERY)
    return sa.func.plainto_tsquery(_lit(_CONFIG), term.text, type_=_TSQUERY)


def _ts_join(parts: Sequence[sa.ColumnElement], op: str) -> sa.ColumnElement:
    out = parts[0]
    for part in parts[1:]:
        out = out.op(op, return_type=_TSQUERY)(part)
    return out


def tsquery(query: SearchQuery) -> sa.ColumnElement:
    """The query as a PostgreSQL tsquery, built from functions over bound words."""
    alternatives = [_ts_join([_ts_term(t) for t in group], "&&") for group in query.groups]
    expression = _ts_join(alternatives, "||")
    if query.excluded:
        left_out = _ts_join([_ts_term(t) for t in query.excluded], "||")
        expression = expression.op("&&", return_type=_TSQUERY)(_negate(left_out))
    return expression


def _negate(query: sa.ColumnElement) -> sa.ColumnElement:
    return sa.sql.elements.UnaryExpression(
        sa.sql.elements.Grouping(query),
        operator=sa.sql.operators.custom_op("!!"),
        type_=_TSQUERY,
    )


class _Fts:
    """An FTS5 table as a selectable: its rowid and its hidden column named like it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.table = sa.table(name, sa.column("rowid"), sa.column(name))

    def match(self, expression: str) -> sa.ColumnElement[bool]:
        return self.table.c[self.name].op("MATCH")(expression)

    def bm25(self) -> sa.ColumnElement[float]:
        return sa.func.bm25(_lit(self.name), *WEIGHTS[self.name])

    def function(self, name: str, *args: Any) -> sa.ColumnElement[str]:
        return getattr(sa.func, name)(_lit(self.name), *args)


# --- one kind's ranked ids -----------------------------------------------------------


def _claim_filters(query: sa.Select, filters: SearchFilters) -> sa.Select:
    if filters.statuses:
        query = query.where(Claim.status.in_(filters.statuses))
    if (start := filters.start()) is not None:
        query = query.where(Claim.created_at >= start)
    if (end := filters.end()) is not None:
        query = query.where(Claim.created_at < end)
    if filters.outlet_id is not None:
        query = query.where(
            Claim.article_id.in_(
                sa.select(Article.id).where(Article.outlet_id == filters.outlet_id)
            )
        )
    if filters.claimant:
        query = query.where(Claim.claimant_name.ilike(_contains(filters.claimant), escape="\\"))
    return query


def _contains(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_MODEL: dict[str, Any] = {
    "claims": Claim,
    "articles": Article,
    "rulings": Ruling,
    "external": ExternalRuling,
}
# PostgreSQL: the table holding each kind's search_vector.
_PG_TABLE = {
    "claims": "claims",
    "articles": "articles",
    "rulings": "verdict_revisions",
    "external": "external_rulings",
}


def _ranked(
    session: so.Session,
    kind: str,
    query: SearchQuery,
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
) -> tuple[list[tuple[int, float]], bool]:
    """(id, score) of one kind's hits, best first (id breaks ties, newest first), and
    whether more than RANK_WINDOW rows matched (then the newest RANK_WINDOW are ranked).

    One statement: the newest RANK_WINDOW + 1 matches (filters applied) in a subquery,
    ranked outside it, so bm25 / ts_rank_cd runs on at most RANK_WINDOW + 1 rows."""
    model = _MODEL[kind]
    filtered = bool(filters.set_filters() & FILTERS_OF[kind])
    pg = _postgres(session)
    if pg:
        tsq = tsquery(query)
        vector = _vec(_PG_TABLE[kind])
        key = model.id
        newest = sa.select(key.label("id")).where(vector.bool_op("@@")(tsq))
    else:
        fts = _Fts(_FTS_OF[kind])
        key = fts.table.c.rowid
        # bm25() needs the MATCH of its own statement: it is computed in the subquery,
        # whose ORDER BY rowid FTS5 walks without sorting, so only the rows kept pay it.
        newest = (
            sa.select(key.label("id"), (-fts.bm25()).label("score"))
            .select_from(fts.table)
            .where(fts.match(query.fts5()))
        )
    if kind == "rulings" and pg:
        newest = _join_revision(newest.select_from(Ruling))
    if filtered:
        if not pg:  # the row itself is read only when a filter needs its columns
            newest = newest.join(model, model.id == key)
        if kind == "claims":
            newest = _claim_filters(newest, filters)
        elif kind == "articles":
            newest = _article_filters(newest, filters)
        elif kind == "rulings":
            newest = _ruling_filters(newest, filters, joined=pg)
        else:
            newest = _external_filters(newest, filters)
    # PostgreSQL: "id + 0" keeps the planner from walking the primary key backwards and
    # reading every row's tsvector to test it; the GIN index finds the matches instead.
    newest_first = (key + 0).desc() if pg else key.desc()
    window = newest.order_by(newest_first).limit(RANK_WINDOW + 1).subquery("newest")
    # Over the kept rows only: how many, and the oldest (one more than the window, kept
    # to tell that it overflowed, and then not shown).
    if pg:
        # Read the kept rows by primary key (id = ANY(ARRAY(...))) rather than hashing the
        # whole table against them, and rank them there.
        score = sa.func.ts_rank_cd(vector, tsq, 1)
        ident = model.id
        kept = sa.func.array(sa.select(window.c.id).scalar_subquery())
        ranked = sa.select(ident, score, sa.func.count().over(), sa.func.min(ident).over())
        ranked = ranked.select_from(model).where(ident == sa.func.any(kept))
        if kind == "rulings":
            ranked = _join_revision(ranked)
    else:
        score, ident = window.c.score, window.c.id
        ranked = sa.select(ident, score, sa.func.count().over(), sa.func.min(ident).over())
    # Over the kept rows only: how many, and the oldest (one more than the window is kept
    # to tell that it overflowed, and then not shown).
    rows = session.execute(
        ranked.order_by(score.desc(), ident.desc()).offset(offset).limit(limit)
    ).all()
    capped = bool(rows) and rows[0][2] > RANK_WINDOW
    return [
        (ident, float(value)) for ident, value, _, first in rows if not capped or ident != first
    ], capped


def _join_revision(query: sa.Select) -> sa.Select:
    """Join a query over rulings to the revision each ruling shows now."""
    return query.join(EditorialDecision, EditorialDecision.id == Ruling.decision_id).join(
        VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id
    )


def _article_filters(query: sa.Select, filters: SearchFilters) -> sa.Select:
    if filters.outlet_id is not None:
        query = query.where(Article.outlet_id == filters.outlet_id)
    if filters.date_from or filters.date_to:
        # The publication date when known, else the day the article was taken in.
        published = [Article.published_on.is_not(None)]
        ingested = [Article.published_on.is_(None)]
        if filters.date_from:
            published.append(Article.published_on >= filters.date_from)
            ingested.append(Article.ingested_at >= filters.start())
        if filters.date_to:
            published.append(Article.published_on <= filters.date_to)
            ingested.append(Article.ingested_at < filters.end())
        query = query.where(sa.or_(sa.and_(*published), sa.and_(*ingested)))
    return query


def _ruling_filters(query: sa.Select, filters: SearchFilters, *, joined: bool) -> sa.Select:
    wanted = filters.set_filters()
    if wanted & {"rating", "claimant"} and not joined:
        query = query.join(EditorialDecision, EditorialDecision.id == Ruling.decision_id).join(
            VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id
        )
    if filters.rating:
        query = query.where(
            VerdictRevision.rating_id.in_(
                sa.select(Rating.id).where(sa.func.lower(Rating.label) == filters.rating.lower())
            )
        )
    if filters.claimant:
        query = query.where(
            VerdictRevision.claimant_name.ilike(_contains(filters.claimant), escape="\\")
        )
    if (start := filters.start()) is not None:
        query = query.where(Ruling.published_at >= start)
    if (end := filters.end()) is not None:
        query = query.where(Ruling.published_at < end)
    if filters.statuses or filters.outlet_id is not None:
        claims = sa.select(Claim.id)
        if filters.statuses:
            claims = claims.where(Claim.status.in_(filters.statuses))
        if filters.outlet_id is not None:
            claims = claims.where(
                Claim.article_id.in_(
                    sa.select(Article.id).where(Article.outlet_id == filters.outlet_id)
                )
            )
        query = query.where(Ruling.claim_id.in_(claims))
    return query


def _external_filters(query: sa.Select, filters: SearchFilters) -> sa.Select:
    if filters.rating:
        query = query.where(sa.func.lower(ExternalRuling.rating) == filters.rating.lower())
    if filters.claimant:
        query = query.where(ExternalRuling.claimant.ilike(_contains(filters.claimant), escape="\\"))
    if filters.date_from:
        query = query.where(ExternalRuling.reviewed_on >= filters.date_from)
    if filters.date_to:
        query = query.where(ExternalRuling.reviewed_on <= filters.date_to)
    return query


# --- claimants -----------------------------------------------------------------------


def _claimants(
    session: so.Session, query: SearchQuery, filters: SearchFilters
) -> list[tuple[str, int, int]]:
    """(name, claims, imported rulings) of the claimants whose name matches, most
    claims and rulings first; at most MAX_CLAIMANTS names."""
    pg = _postgres(session)
    count = sa.func.count()
    if pg:
        tsq = tsquery(query)
        claims = sa.select(Claim.claimant_name, count).where(*_claimant_match("claims", tsq))
    else:
        fts = _Fts("claims_fts")
        claims = (
            sa.select(Claim.claimant_name, count)
            .select_from(fts.table)
            .join(Claim, Claim.id == fts.table.c.rowid)
            .where(fts.match(query.fts5("claimant_name")))
        )
    claims = _claim_filters(claims, filters).where(Claim.claimant_name.is_not(None))
    names: dict[str, list[int]] = {}
    for name, n in session.execute(
        claims.group_by(Claim.claimant_name).order_by(count.desc()).limit(MAX_CLAIMANTS)
    ):
        names.setdefault(name, [0, 0])[0] = n
    if "external" in filters.kinds():
        if pg:
            external = sa.select(ExternalRuling.claimant, count).where(
                *_claimant_match("external_rulings", tsq)
            )
        else:
            fts = _Fts("external_rulings_fts")
            external = (
                sa.select(ExternalRuling.claimant, count)
                .select_from(fts.table)
                .join(ExternalRuling, ExternalRuling.id == fts.table.c.rowid)
                .where(fts.match(query.fts5("claimant")))
            )
        external = _external_filters(external, filters).where(ExternalRuling.claimant.is_not(None))
        for name, n in session.execute(
            external.group_by(ExternalRuling.claimant).order_by(count.desc()).limit(MAX_CLAIMANTS)
        ):
            names.setdefault(name, [0, 0])[1] = n
    ranked = sorted(names.items(), key=lambda item: (-sum(item[1]), item[0]))
    return [(name, c, e) for name, (c, e) in ranked[:MAX_CLAIMANTS]]


# --- rows and highlights of one page -------------------------------------------------


def _rows(session: so.Session, kind: str, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    if kind == "claims":
        stmt = sa.select(Claim).options(
            so.selectinload(Claim.article)
            .load_only(Article.id, Article.title, Article.outlet_id)
            .selectinload(Article.outlet)
        )
        model = Claim
    elif kind == "articles":
        stmt = sa.select(Article).options(
            so.load_only(
                Article.id,
                Article.title,
                Article.url,
                Article.published_on,
                Article.ingested_at,
                Article.outlet_id,
            ),
            so.selectinload(Article.outlet),
        )
        model = Article
    elif kind == "rulings":
        stmt = sa.select(Ruling).options(
            so.joinedload(Ruling.claim).load_only(Claim.id, Claim.status),
            so.joinedload(Ruling.decision)
            .joinedload(EditorialDecision.revision)
            .joinedload(VerdictRevision.rating),
        )
        model = Ruling
    else:
        stmt = sa.select(ExternalRuling).options(
            so.load_only(
                ExternalRuling.id,
                ExternalRuling.publisher_name,
                ExternalRuling.url,
                ExternalRuling.claim_reviewed,
                ExternalRuling.claimant,
                ExternalRuling.rating,
                ExternalRuling.reviewed_on,
                ExternalRuling.claimed_on,
            )
        )
        model = ExternalRuling
    return {row.id: row for row in session.scalars(stmt.where(model.id.in_(ids)))}


# Which fields of each kind are shown marked: (name, FTS5 column index, whole or excerpt).
_FIELDS = {
    "claims": (("text", 0, "whole"), ("claimant", 1, "whole")),
    "articles": (("title", 0, "whole"), ("excerpt", 1, "excerpt")),
    "rulings": (
        ("claim_text", 0, "whole"),
        ("claimant", 1, "whole"),
        ("summary", 2, "whole"),
        ("excerpt", 3, "excerpt"),
    ),
    "external": (
        ("claim", 0, "whole"),
        ("claimant", 1, "whole"),
        ("publisher", 2, "whole"),
        ("rating", 3, "whole"),
    ),
}
_FTS_OF = {
    "claims": "claims_fts",
    "articles": "articles_fts",
    "rulings": "rulings_fts",
    "external": "external_rulings_fts",
}


def _pg_columns(kind: str) -> tuple[sa.ColumnElement, ...]:
    if kind == "claims":
        return (Claim.text, Claim.claimant_name)
    if kind == "articles":
        return (Article.title, sa.func.left(Article.text, HEADLINE_CHARS))
    if kind == "rulings":
        return (
            VerdictRevision.claim_text,
            VerdictRevision.claimant_name,
            VerdictRevision.summary,
            sa.func.left(VerdictRevision.explanation, HEADLINE_CHARS),
        )
    return (
        ExternalRuling.claim_reviewed,
        ExternalRuling.claimant,
        ExternalRuling.publisher_name,
        ExternalRuling.rating,
    )


def _highlights(
    session: so.Session, kind: str, query: SearchQuery, ids: list[int]
) -> dict[int, dict[str, Markup]]:
    """The marked fields of the given hits: one statement for the page."""
    if not ids:
        return {}
    fields = _FIELDS[kind]
    if _postgres(session):
        tsq = tsquery(query)
        whole = f"StartSel={OPEN}, StopSel={CLOSE}, HighlightAll=true"
        excerpt = (
            f"StartSel={OPEN}, StopSel={CLOSE}, MaxFragments=2, MaxWords=30, MinWords=12, "
            'FragmentDelimiter=" … "'
        )
        exprs = [
            sa.func.ts_headline(
                _lit(_CONFIG),
                # ts_headline drops what looks like an HTML tag: hide < and > from it.
                sa.func.translate(sa.func.coalesce(col, ""), "<>", ANGLES),
                tsq,
                whole if how == "whole" else excerpt,
            )
            for col, (_, _, how) in zip(_pg_columns(kind), fields, strict=True)
        ]
        if kind == "rulings":
            stmt = (
                sa.select(Ruling.id, *exprs)
                .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
                .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
                .where(Ruling.id.in_(ids))
            )
        else:
            model = {"claims": Claim, "articles": Article, "external": ExternalRuling}[kind]
            stmt = sa.select(model.id, *exprs).where(model.id.in_(ids))
    else:
        fts = _Fts(_FTS_OF[kind])
        exprs = [
            fts.function("highlight", column, OPEN, CLOSE)
            if how == "whole"
            else fts.function("snippet", column, OPEN, CLOSE, " … ", 32)
            for _, column, how in fields
        ]
        stmt = (
            sa.select(fts.table.c.rowid, *exprs)
            .where(fts.match(query.fts5()))
            .where(fts.table.c.rowid.in_(ids))
        )
    out: dict[int, dict[str, Markup]] = {}
    for ident, *values in session.execute(stmt):
        out[ident] = {name: mark(value) for (name, _, _), value in zip(fields, values, strict=True)}
    return out


# --- the page ------------------------------------------------------------------------


def search_kind(
    session: so.Session,
    kind: str,
    query: SearchQuery,
    filters: SearchFilters,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> KindPage:
    """One page of one kind's hits, ranked and highlighted."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"Pages go from 1 to {MAX_PAGE}; narrow the search to see more.")
    if kind not in filters.kinds():
        return KindPage(kind, [], False)
    offset = (page - 1) * per_page
    if kind == "claimants":
        names = _claimants(session, query, filters)
        chosen = names[offset : offset + per_page]
        hits = [
            Hit(
                "claimants",
                name,
                float(claims + external),
                marked={"name": mark_words(name, query)},
                counts={"claims": claims, "external": external},
            )
            for name, claims, external in chosen
        ]
        return KindPage(kind, hits, len(names) > offset + per_page)
    ranked, capped = _ranked(session, kind, query, filters, offset=offset, limit=per_page + 1)
    chosen = ranked[:per_page]
    ids = [ident for ident, _ in chosen]
    rows = _rows(session, kind, ids)
    marked = _highlights(session, kind, query, ids)
    hits = [
        Hit(kind, ident, score, rows[ident], marked.get(ident, {}))
        for ident, score in chosen
        if ident in rows
    ]
    return KindPage(kind, hits, len(ranked) > per_page, capped)


def search_all(
    session: so.Session, query: SearchQuery, filters: SearchFilters, *, per_kind: int = SECTION_SIZE
) -> list[KindPage]:
    """The best hits of every kind the filters allow, one section per kind."""
    return [search_kind(session, k, query, filters, per_page=per_kind) for k in filters.kinds()]


def rating_labels(session: so.Session) -> list[str]:
    """Every rating label of our scales (the rating filter's choices)."""
    return list(
        session.scalars(
            sa.select(Rating.label).group_by(Rating.label).order_by(sa.func.min(Rating.position))
        )
    )


# --- similar meaning -----------------------------------------------------------------

# Similar-meaning hits: at most SIMILAR_K, at or above MIN_SIMILARITY (cosine).
SIMILAR_K = 20
MIN_SIMILARITY = 0.3
SIMILAR_KINDS = {"all": ("claim", "external"), "claims": ("claim",), "external": ("external",)}


def similar(session: so.Session, vector: Any, *, kind: str = "all") -> list[Hit]:
    """Live claims and imported rulings nearest in meaning to the embedded query, best
    first, with their cosine similarity (factcheck.matching.index.nearest)."""
    if kind not in SIMILAR_KINDS:
        raise InvalidInput(
            "Similar meaning finds claims and rulings from elsewhere; choose Everything, "
            "Claims or Rulings from elsewhere."
        )
    (neighbours,) = nearest(
        session, vector, k=SIMILAR_K, min_similarity=MIN_SIMILARITY, kinds=SIMILAR_KINDS[kind]
    )
    claims = _rows(session, "claims", [n.id for n in neighbours if n.kind == "claim"])
    external = _rows(session, "external", [n.id for n in neighbours if n.kind == "external"])
    hits = []
    for n in neighbours:
        row = (claims if n.kind == "claim" else external).get(n.id)
        if row is not None:
            hits.append(Hit("claims" if n.kind == "claim" else "external", n.id, n.similarity, row))
    return hits
