"""search indexes

Issue 16, one search box: on SQLite, FTS5 external-content tables over claims, articles,
our rulings (through the rulings_search view: the revision a ruling shows) and imported
rulings, kept current by triggers, and filled from the rows already there; on
PostgreSQL, a stored generated tsvector column (search_vector) on claims, articles,
verdict revisions and imported rulings, each with a GIN index.

The statements are a copy of factcheck/search/models.py as of this revision (not an
import), so this migration keeps doing what it did when that module changes.

Revision ID: f1b3d5e7a9c2
Revises: e7a9c1d3f5b8
Create Date: 2026-11-30 14:00:00.000000+00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f1b3d5e7a9c2"
down_revision = "e7a9c1d3f5b8"
branch_labels = None
depends_on = None

_TOKENIZER = "porter unicode61 remove_diacritics 2"
_FTS = {
    "claims_fts": ("claims", ("text", "claimant_name")),
    "articles_fts": ("articles", ("title", "text")),
    "rulings_fts": ("rulings_search", ("claim_text", "claimant_name", "summary", "explanation")),
    "external_rulings_fts": (
        "external_rulings",
        ("claim_reviewed", "claimant", "publisher_name", "rating"),
    ),
}
_RULING_TEXT = (
    "SELECT v.claim_text, v.claimant_name, v.summary, v.explanation "
    "FROM editorial_decisions d JOIN verdict_revisions v ON v.id = d.revision_id "
    "WHERE d.id = {decision}"
)


def _fts_table(name: str) -> str:
    content, columns = _FTS[name]
    return (
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, "
        f"content='{content}', content_rowid='id', tokenize='{_TOKENIZER}')"
    )


def _row_triggers(name: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    delete = f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {cols} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def _sqlite_ddl(table: str) -> list[str]:
    if table in ("claims", "articles", "external_rulings"):
        name = f"{table}_fts"
        return [_fts_table(name), *_row_triggers(name, table, _FTS[name][1])]
    cols = ", ".join(_FTS["rulings_fts"][1])
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
        "CREATE VIEW rulings_search AS SELECT r.id AS id, v.claim_text AS claim_text, "
        "v.claimant_name AS claimant_name, v.summary AS summary, "
        "v.explanation AS explanation FROM rulings r "
        "JOIN editorial_decisions d ON d.id = r.decision_id "
        "JOIN verdict_revisions v ON v.id = d.revision_id",
        _fts_table("rulings_fts"),
        f"CREATE TRIGGER rulings_fts_insert AFTER INSERT ON rulings BEGIN {insert} END",
        f"CREATE TRIGGER rulings_fts_delete AFTER DELETE ON rulings BEGIN {delete} END",
        "CREATE TRIGGER rulings_fts_update AFTER UPDATE OF decision_id ON rulings "
        f"BEGIN {delete} {insert} END",
    ]


def _vector(column: str, weight: str, *, limit: bool = False) -> str:
    text = f"coalesce({column}, '')"
    if limit:
        text = f"left({text}, 100000)"
    return f"setweight(to_tsvector('english'::regconfig, {text}), '{weight}')"


_PG_VECTORS = {
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


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in ("claims", "articles", "rulings", "external_rulings"):
            for statement in _sqlite_ddl(table):
                op.execute(statement)
        for name in _FTS:  # index the rows already there
            op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # noqa: S608
    elif dialect == "postgresql":
        # Stored generated columns (filled for the rows already there) and GIN indexes.
        for table, expression in _PG_VECTORS.items():
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
        for table, column in (("claims", "claimant_name"), ("external_rulings", "claimant")):
            op.execute(
                f"CREATE INDEX ix_{table}_claimant_search ON {table} USING gin "
                f"((to_tsvector('english'::regconfig, coalesce({column}, ''))))"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _FTS:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
        op.execute("DROP VIEW IF EXISTS rulings_search")
    elif dialect == "postgresql":
        for table in ("claims", "external_rulings"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_claimant_search")
        for table in _PG_VECTORS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
