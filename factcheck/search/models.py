"""The full-text indexes behind the search page, on each backend.

SQLite: one FTS5 table per searchable kind, each an *external-content* table (the text
stays in its own table; FTS5 keeps only the index and reads the text back for
snippet() and highlight()), kept current by triggers. Our rulings' text lives in the
verdict revision the ruling shows, so their index reads a view that joins the ruling to
that revision. The tables, view and triggers are made by the migration (f1b3d5e7a9c2)
and, for create_all, by the "after_create" listeners below; they are not in the
metadata (SQLAlchemy cannot describe a virtual table), and `include_object` keeps
Alembic from reporting them as extra tables.

PostgreSQL: a stored generated tsvector column, `search_vector`, on claims, articles,
verdict revisions and imported rulings, with a GIN index on each. Generated columns
rather than expression indexes: ranking (ts_rank_cd) needs each matching row's
tsvector, and an expression index cannot hand it back, so every match would be parsed
again per query (measured: 0.7 ms an article, 33 us a claim; a common word's 10,000
matching claims cost 330 ms). The columns are made by DDL (migration and create_all, as
above) and are not mapped: the ORM never reads or writes them, and `include_object`
keeps Alembic from reporting them. Long texts are indexed up to INDEXED_CHARS
characters: a tsvector must stay under 1 MB.
"""

from __future__ import annotations

import sqlalchemy as sa

from factcheck.claims.models import Claim
from factcheck.editorial.models import Ruling
from factcheck.matching.models import ExternalRuling
from factcheck.sources.models import Article
from factcheck.verdicts.models import VerdictRevision

# PostgreSQL: the first INDEXED_CHARS characters of an article's text or a verdict's
# explanation are searchable (a 2,000,000-character article would overflow a tsvector:
# at most 1 MB).
INDEXED_CHARS = 100_000
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Each SQLite FTS table: (name, content table or view, indexed columns).
FTS_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "claims_fts": ("claims", ("text", "claimant_name")),
    "articles_fts": ("articles", ("title", "text")),
    "rulings_fts": ("rulings_search", ("claim_text", "claimant_name", "summary", "explanation")),
    "external_rulings_fts": (
        "external_rulings",
        ("claim_reviewed", "claimant", "publisher_name", "rating"),
    ),
}
SEARCH_VIEWS = ("rulings_search",)

# --- PostgreSQL: stored tsvector columns ---------------------------------------------


def _vector(column: str, weight: str, *, limit: bool = False) -> str:
    text = f"coalesce({column}, '')"
    if limit:
        text = f"left({text}, {INDEXED_CHARS})"
    return f"setweight(to_tsvector('english'::regconfig, {text}), '{weight}')"


# Each table's weighted document: A is the claimant (so the claimant search keeps the
# A lexemes only, with ts_filter), then the claim, then the rest.
PG_VECTORS: dict[str, str] = {
    "claims": f"{_vector('claimant_name', 'A')} || {_vector('text', 'B')}",
    "articles": f"{_vector('title', 'B')} || {_vector('text', 'C', limit=True)}",
    "verdict_revisions": (
        f"{_vector('claimant_name', 'A')} || {_vector('claim_text', 'B')} || "
        f"{_vector('summary', 'C')} || {_vector('explanation', 'D', limit=True)}"
    ),
    "external_rulings": (
        f"{_vector('claimant', 'A')} || {_vector('claim_reviewed', 'B')} || "
        f"{_vector('publisher_name', 'C')} || {_vector('rating', 'C')}"
    ),
}
VECTOR_COLUMN = "search_vector"
# The claimants search needs no rank, so an expression index serves it: the name's
# lexemes alone (the queries repeat this exact expression).
CLAIMANT_VECTORS = {
    "claims": "to_tsvector('english'::regconfig, coalesce(claimant_name, ''))",
    "external_rulings": "to_tsvector('english'::regconfig, coalesce(claimant, ''))",
}
PG_INDEXES = {f"ix_{table}_search" for table in PG_VECTORS} | {
    f"ix_{table}_claimant_search" for table in CLAIMANT_VECTORS
}


def postgresql_ddl(table: str) -> list[str]:
    """The stored tsvector column of one table and its GIN indexes (PostgreSQL)."""
    statements = [
        f"ALTER TABLE {table} ADD COLUMN {VECTOR_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({PG_VECTORS[table]}) STORED",
        f"CREATE INDEX ix_{table}_search ON {table} USING gin ({VECTOR_COLUMN})",
    ]
    if table in CLAIMANT_VECTORS:
        statements.append(
            f"CREATE INDEX ix_{table}_claimant_search ON {table} "
            f"USING gin (({CLAIMANT_VECTORS[table]}))"
        )
    return statements


# --- SQLite: FTS5 tables, the rulings view, triggers ---------------------------------

_RULING_TEXT = (
    "SELECT v.claim_text, v.claimant_name, v.summary, v.explanation "
    "FROM editorial_decisions d JOIN verdict_revisions v ON v.id = d.revision_id "
    "WHERE d.id = {decision}"
)


def _fts_table(name: str) -> str:
    content, columns = FTS_TABLES[name]
    return (
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, "
        f"content='{content}', content_rowid='id', tokenize='{TOKENIZER}')"
    )


def _row_triggers(name: str, table: str, columns: tuple[str, ...]) -> list[str]:
    """Insert, delete and update triggers of an FTS table over a plain table's columns."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # Names and columns are this module's constants, never input.
    insert = f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    delete = f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        # Only a change to an indexed column touches the index (a claim's status, priority
        # and version change all the time).
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {cols} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_ddl(table: str) -> list[str]:
    """The statements that make the search index of one content table (SQLite)."""
    if table in ("claims", "articles", "external_rulings"):
        name = f"{table}_fts"
        return [_fts_table(name), *_row_triggers(name, table, FTS_TABLES[name][1])]
    if table == "rulings":
        cols = ", ".join(FTS_TABLES["rulings_fts"][1])
        insert = (
            f"INSERT INTO rulings_fts(rowid, {cols}) SELECT new.id, * FROM ("  # noqa: S608
            + _RULING_TEXT.format(decision="new.decision_id")
            + ");"
        )
        delete = (
            f"INSERT INTO rulings_fts(rulings_fts, rowid, {cols}) SELECT 'delete', old.id, * "  # noqa: S608
            "FROM (" + _RULING_TEXT.format(decision="old.decision_id") + ");"
        )
        return [
            # The text a ruling shows: the revision its (latest) approval approved.
            "CREATE VIEW rulings_search AS SELECT r.id AS id, v.claim_text AS claim_text, "
            "v.claimant_name AS claimant_name, v.summary AS summary, "
            "v.explanation AS explanation FROM rulings r "
            "JOIN editorial_decisions d ON d.id = r.decision_id "
            "JOIN verdict_revisions v ON v.id = d.revision_id",
            _fts_table("rulings_fts"),
            f"CREATE TRIGGER rulings_fts_insert AFTER INSERT ON rulings BEGIN {insert} END",
            f"CREATE TRIGGER rulings_fts_delete AFTER DELETE ON rulings BEGIN {delete} END",
            # A correction points the ruling at a newer approval: index that revision.
            "CREATE TRIGGER rulings_fts_update AFTER UPDATE OF decision_id ON rulings "
            f"BEGIN {delete} {insert} END",
        ]
    raise ValueError(table)


def sqlite_drop_ddl(table: str) -> list[str]:
    name = f"{table}_fts"
    statements = [f"DROP TABLE IF EXISTS {name}"]
    if table == "rulings":
        statements.append("DROP VIEW IF EXISTS rulings_search")
    return statements  # the triggers go with their table


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Alembic's filter: the search index's FTS5 tables (and their shadow tables) on
    SQLite, and its tsvector columns and their indexes on PostgreSQL, are made by DDL
    beside the metadata on purpose; do not report them as things to drop."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return not _is_fts(name)
    if type_ == "column":
        return name != VECTOR_COLUMN
    if type_ == "index":
        return name not in PG_INDEXES
    return True


def _is_fts(name: str | None) -> bool:
    return bool(name) and any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)


def _listen(table: sa.Table) -> None:
    @sa.event.listens_for(table, "after_create")
    def _create(target, connection, **kw) -> None:  # noqa: ANN001
        dialect = connection.dialect.name
        if dialect == "sqlite" and target.name != "verdict_revisions":
            statements = sqlite_ddl(target.name)
        elif dialect == "postgresql" and target.name in PG_VECTORS:
            statements = postgresql_ddl(target.name)
        else:
            statements = []
        for statement in statements:
            connection.exec_driver_sql(statement)

    @sa.event.listens_for(table, "before_drop")
    def _drop(target, connection, **kw) -> None:  # noqa: ANN001
        if connection.dialect.name == "sqlite" and target.name != "verdict_revisions":
            for statement in sqlite_drop_ddl(target.name):
                connection.exec_driver_sql(statement)


for _model in (Claim, Article, Ruling, ExternalRuling, VerdictRevision):
    _listen(_model.__table__)
