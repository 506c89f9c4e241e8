"""The nearest stored claims and imported rulings to some vectors (cosine, top k).

Vectors are unit float32 rows, so cosine is a dot product. Each process keeps the stored
vectors of one database and one model in memory (one matrix for claims, one for imported
rulings) and reads only the rows added since its last call, so matching a queue of new
claims does not reload every vector per article. Search is brute force (one matrix
product and an argpartition) up to `min_index_rows` stored vectors; above that a usearch
HNSW index answers (bench/bench_match.py), with brute force again if usearch is not
importable.

What the cache may get wrong, and how the answer stays right:

- Claims are matched only while live (not merged, dismissed or retracted): the status is
  read from the database for the candidates of each call, never cached, so a claim
  merged or reopened since the vectors were loaded is dropped or kept as it is now.
- Every candidate's vector is read back from the database with its status, and the
  similarity returned is recomputed from it; a candidate whose row is gone (a rolled-back
  transaction) is dropped, and one whose vector differs from the cached one (SQLite
  reuses the ids of rolled-back rows) throws the cache away and the call is answered
  again from a fresh load.
- Claim embeddings are only ever inserted (claims.services, claims.rescore), keyed by
  claim id; the cache reads ids above the largest it holds, after checking that its
  newest row is still there with the same creation time (else it reloads everything).
  Imported rulings are updated in place by a re-import, so that table (small; bounded by
  the import limits) is reloaded whenever its largest id changes or an import has run
  (its audit entry).
- Only vectors of one model (name, version, dimensions) are compared: the one given, or
  else the model of the newest claim embedding of the query's dimensions.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim, ClaimEmbedding
from factcheck.matching.models import ExternalRuling

KINDS = ("claim", "external")
# Claims that are no longer a target for a match: a merged claim's target is matched in
# its place, a dismissed one is not a claim, a retracted ruling is withdrawn.
NOT_LIVE = (ClaimStatus.MERGED, ClaimStatus.DISMISSED, ClaimStatus.RETRACTED)
# Above this many stored vectors of one kind, search an HNSW index instead of the matrix
# (MATCH_INDEX_MIN_ROWS; README "Matching claims across articles" has the figures).
DEFAULT_MIN_INDEX_ROWS = 1_000_000
# HNSW search breadth: recall@10 0.999 at 1M in bench/bench_match.py (0.953 at 64).
EF_SEARCH = 256
# Rows read per statement when loading vectors.
LOAD_BATCH = 50_000
# Ids below the largest one seen that are read again for rows committed late.
RESCAN = 500

ModelKey = tuple[str, str, int]  # model name, version, dimensions
# The audit entry every ClaimReview import writes (matching.imports): the cache of
# imported rulings is read again after one.
IMPORT_ENTITY = "external_ruling"
IMPORT_ACTION = "external_ruling.import"


@dataclass(frozen=True)
class Neighbour:
    """A stored claim ("claim") or imported ruling ("external") near a query vector."""

    kind: str  # "claim" | "external"
    id: int  # Claim.id or ExternalRuling.id
    similarity: float  # cosine


@dataclass
class _Store:
    """The cached vectors of one kind, database and model."""

    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    matrix: np.ndarray | None = None  # rows [0, count) are used; grows by doubling
    count: int = 0
    # What the database looked like when last read (see the module's docstring).
    signature: tuple[Any, ...] = ()
    index: Any = None  # usearch Index, or None for brute force
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.matrix, self.count, self.signature, self.index = None, 0, (), None

    def append(self, ids: np.ndarray, rows: np.ndarray, min_index_rows: int) -> None:
        """Add rows (ids ascending) not held yet; the ids stay sorted."""
        if self.count and len(ids):
            new = ~np.isin(ids, self.ids)
            ids, rows = ids[new], rows[new]
        if not len(ids):
            return
        late = self.count and ids[0] < self.ids[-1]
        if self.matrix is None:
            self.matrix = np.empty((max(1024, len(ids)), rows.shape[1]), dtype=np.float32)
        needed = self.count + len(ids)
        if needed > len(self.matrix):
            grown = np.empty((max(needed, 2 * len(self.matrix)), rows.shape[1]), np.float32)
            grown[: self.count] = self.matrix[: self.count]
            self.matrix = grown
        self.matrix[self.count : needed] = rows
        self.ids = np.concatenate([self.ids, ids.astype(np.int64)])
        self.count = needed
        if late:  # a row committed late: put it in its place
            order = np.argsort(self.ids, kind="stable")
            self.ids = self.ids[order]
            self.matrix[:needed] = self.matrix[:needed][order]
        if self.index is not None:
            self.index.add(ids.astype(np.uint64), rows)
        elif needed >= min_index_rows:
            self.index = _build_index(self.ids, self.matrix[:needed])

    def candidates(self, queries: np.ndarray, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per query, up to `count` (ids, cached similarities), best first."""
        if self.count == 0:
            return [(np.empty(0, np.int64), np.empty(0, np.float32)) for _ in queries]
        count = min(count, self.count)
        if self.index is not None:
            self.index.expansion_search = max(EF_SEARCH, count)
            found = self.index.search(queries, count)
            keys = np.atleast_2d(found.keys).astype(np.int64)
            distances = np.atleast_2d(found.distances)
            out = []
            for row in range(len(queries)):
                valid = keys[row] >= 0
                # usearch's "ip" metric is a distance: 1 - dot product.
                out.append((keys[row][valid], (1.0 - distances[row][valid]).astype(np.float32)))
            return out
        matrix = self.matrix[: self.count]
        # One query: a matrix-vector product (several times faster than a 1-row matmul).
        scores = (matrix @ queries[0])[None, :] if len(queries) == 1 else queries @ matrix.T
        out = []
        for row in scores:
            top = np.argpartition(row, -count)[-count:] if count < len(row) else np.arange(len(row))
            top = top[np.argsort(-row[top], kind="stable")]
            out.append((self.ids[top], row[top]))
        return out


def _build_index(ids: np.ndarray, rows: np.ndarray) -> Any:
    """A usearch HNSW index (inner product, f16 storage) of the rows, or None without it."""
    try:
        from usearch.index import Index
    except ImportError:
        return None
    index = Index(ndim=rows.shape[1], metric="ip", dtype="f16")
    index.add(ids.astype(np.uint64), rows)
    return index


_stores: dict[tuple[Any, ...], _Store] = {}
_stores_lock = threading.Lock()


def forget() -> None:
    """Drop every cached matrix and index of this process (tests, after an import)."""
    with _stores_lock:
        _stores.clear()


def _store(key: tuple[Any, ...]) -> _Store:
    with _stores_lock:
        return _stores.setdefault(key, _Store())


def _database_key(session: so.Session) -> str:
    bind = session.get_bind()
    return bind.engine.url.render_as_string(hide_password=True)


def current_model(session: so.Session, dimensions: int) -> ModelKey | None:
    """The model of the newest stored claim embedding of these dimensions, if any."""
    row = session.execute(
        sa.select(ClaimEmbedding.model_name, ClaimEmbedding.model_version)
        .where(ClaimEmbedding.dimensions == dimensions)
        .order_by(ClaimEmbedding.claim_id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], dimensions) if row else None


def _decode(blobs: list[bytes], dimensions: int) -> np.ndarray:
    """Rows of little-endian float32 bytes as an (n, dimensions) float32 matrix."""
    if not blobs:
        return np.empty((0, dimensions), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dimensions).astype(np.float32)


def _claim_rows(model: ModelKey) -> sa.Select:
    name, version, dimensions = model
    return sa.select(ClaimEmbedding.claim_id, ClaimEmbedding.vector).where(
        ClaimEmbedding.model_name == name,
        ClaimEmbedding.model_version == version,
        ClaimEmbedding.dimensions == dimensions,
    )


def _external_rows(model: ModelKey) -> sa.Select:
    name, version, dimensions = model
    return sa.select(ExternalRuling.id, ExternalRuling.vector).where(
        ExternalRuling.model_name == name,
        ExternalRuling.model_version == version,
        ExternalRuling.dimensions == dimensions,
        ExternalRuling.vector.is_not(None),
    )


def _load(session: so.Session, query: sa.Select, id_column: Any, after: int, dims: int):
    """(ids, rows) of the query's rows with id above `after`, read in batches by id."""
    ids: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    while True:
        batch = session.execute(
            query.where(id_column > after).order_by(id_column).limit(LOAD_BATCH)
        ).all()
        if not batch:
            break
        ids.append(np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch)))
        rows.append(_decode([r[1] for r in batch], dims))
        after = int(batch[-1][0])
        if len(batch) < LOAD_BATCH:
            break
    if not ids:
        return np.empty(0, np.int64), np.empty((0, dims), np.float32)
    return np.concatenate(ids), np.concatenate(rows)


def _refresh_claims(session: so.Session, store: _Store, model: ModelKey, min_rows: int) -> None:
    """Bring the claim matrix up to date: new rows appended, or all reloaded if needed.

    Two primary-key lookups when nothing changed: the largest claim id stored (of any
    model), and the creation time of the newest cached row."""
    newest = session.scalar(sa.select(sa.func.max(ClaimEmbedding.claim_id)))
    if store.signature:
        last, created, seen = store.signature
        changed = newest is None or newest < seen
        if not changed and last is not None:
            # The newest cached row must still be there as it was (ids of rolled-back
            # rows come back on SQLite); else start again.
            changed = created != session.scalar(
                sa.select(ClaimEmbedding.created_at).where(ClaimEmbedding.claim_id == last)
            )
        if changed:
            store.clear()
    seen = store.signature[2] if store.signature else 0
    if newest is None or newest <= seen:
        return
    # Rows committed late under a smaller id (PostgreSQL hands out ids before commit, so
    # a concurrent ingest may commit after a larger id was read) are read again.
    ids, rows = _load(
        session, _claim_rows(model), ClaimEmbedding.claim_id, max(0, seen - RESCAN), model[2]
    )
    store.append(ids, rows, min_rows)
    last = int(store.ids[-1]) if store.count else None
    created = (
        session.scalar(sa.select(ClaimEmbedding.created_at).where(ClaimEmbedding.claim_id == last))
        if last is not None
        else None
    )
    store.signature = (last, created, int(newest))


def _refresh_external(session: so.Session, store: _Store, model: ModelKey, min_rows: int) -> None:
    """Reload the imported rulings' matrix when the table has changed: a row added (its
    largest id) or an import run (each writes an audit entry, which a re-import's updates
    in place come with). Two index lookups, no scan of the table."""
    signature = (
        session.scalar(sa.select(sa.func.max(ExternalRuling.id))),
        session.scalar(
            sa.select(sa.func.max(AuditEntry.id)).where(
                AuditEntry.entity_type == IMPORT_ENTITY, AuditEntry.entity_id.is_(None)
            )
        ),
    )
    if signature == store.signature:
        return
    store.clear()
    ids, rows = _load(session, _external_rows(model), ExternalRuling.id, 0, model[2])
    store.append(ids, rows, min_rows)
    store.signature = signature


def _check(session: so.Session, kind: str, model: ModelKey, ids: set[int]) -> dict[int, np.ndarray]:
    """Vectors, read now, of the candidates still eligible (live claims; any ruling)."""
    if not ids:
        return {}
    dimensions = model[2]
    if kind == "claim":
        query = (
            _claim_rows(model)
            .join(Claim, Claim.id == ClaimEmbedding.claim_id)
            .where(ClaimEmbedding.claim_id.in_(ids), Claim.status.not_in(NOT_LIVE))
        )
    else:
        query = _external_rows(model).where(ExternalRuling.id.in_(ids))
    return {int(row[0]): _decode([row[1]], dimensions)[0] for row in session.execute(query).all()}


def nearest(
    session: so.Session,
    vectors: np.ndarray,
    *,
    k: int = 10,
    min_similarity: float = 0.0,
    kinds: tuple[str, ...] = KINDS,
    exclude_claim_ids: Collection[int] = (),
    model: ModelKey | None = None,
    min_index_rows: int = DEFAULT_MIN_INDEX_ROWS,
) -> list[list[Neighbour]]:
    """For each row of `vectors` (unit float32), the k most similar stored claim
    embeddings and/or imported rulings, best first, at or above min_similarity.

    Claims are live ones only (not merged, dismissed or retracted), minus
    `exclude_claim_ids`; `model` is (name, version, dimensions) of the vectors, by default
    the newest stored claim embedding's model of the same dimensions. With both kinds the
    k best of either kind come back, mixed.
    """
    queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if queries.size == 0 or k <= 0:
        return [[] for _ in range(len(queries))]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    model = model or current_model(session, queries.shape[1])
    results: list[list[Neighbour]] = [[] for _ in range(len(queries))]
    if model is None or model[2] != queries.shape[1]:
        return results
    excluded = set(exclude_claim_ids)
    database = _database_key(session)
    for kind in kinds:
        store = _store((database, kind, *model))
        with store.lock:
            found = _search(
                session, store, kind, model, queries, k, min_similarity, excluded, min_index_rows
            )
        for row, neighbours in enumerate(found):
            results[row].extend(neighbours)
    for row in results:
        row.sort(key=lambda n: (-n.similarity, n.kind, n.id))
        del row[k:]
    return results


def _search(
    session: so.Session,
    store: _Store,
    kind: str,
    model: ModelKey,
    queries: np.ndarray,
    k: int,
    min_similarity: float,
    excluded: set[int],
    min_rows: int,
) -> list[list[Neighbour]]:
    """The k best eligible neighbours of one kind per query (the store's lock held)."""
    refresh = _refresh_claims if kind == "claim" else _refresh_external
    refresh(session, store, model, min_rows)
    # Ask for more than k: some candidates are excluded or no longer live.
    count = 3 * k + (len(excluded) if kind == "claim" else 0)
    reloaded = False
    while True:
        found = store.candidates(queries, count)
        # A little slack under the bar: the f16 index's similarities are approximate.
        wanted = {
            int(i)
            for ids, sims in found
            for i, s in zip(ids.tolist(), sims.tolist(), strict=True)
            if s >= min_similarity - 0.01 and not (kind == "claim" and i in excluded)
        }
        current = _check(session, kind, model, wanted)
        if not reloaded and store.index is None and _stale(store, current):
            store.clear()
            refresh(session, store, model, min_rows)
            reloaded = True
            continue
        out: list[list[Neighbour]] = []
        short = False
        for query, (ids, sims) in zip(queries, found, strict=True):
            picked = []
            for i in ids.tolist():
                vector = current.get(i)
                if vector is not None:
                    similarity = float(np.clip(vector @ query, -1.0, 1.0))
                    if similarity >= min_similarity:
                        picked.append(Neighbour(kind, i, similarity))
            picked.sort(key=lambda n: (-n.similarity, n.id))
            # Fewer than k kept from a full candidate list still above the bar: there
            # may be more further down.
            if len(picked) < k and len(ids) == count < store.count:
                short = short or float(sims[-1]) >= min_similarity - 0.01
            out.append(picked[:k])
        if not short:
            return out
        count *= 4


def _stale(store: _Store, current: dict[int, np.ndarray]) -> bool:
    """Whether a vector read now differs from the cached row of the same id."""
    positions = _positions(store, list(current))
    if not positions:
        return False
    now = np.stack([current[i] for i in positions])
    cached = store.matrix[list(positions.values())]
    return bool(np.abs(now - cached).max() > 1e-4)


def _positions(store: _Store, ids: list[int]) -> dict[int, int]:
    """Row positions in the store's matrix of these ids (ids are sorted ascending)."""
    if not ids:
        return {}
    wanted = np.asarray(ids, dtype=np.int64)
    positions = np.searchsorted(store.ids[: store.count], wanted)
    return {
        int(i): int(p)
        for i, p in zip(wanted, positions, strict=True)
        if p < store.count and store.ids[p] == i
    }
