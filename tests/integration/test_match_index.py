"""matching.index.nearest: stored claim embeddings and imported rulings nearest a vector."""

from __future__ import annotations

import numpy as np
import pytest

from factcheck.audit.services import record
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim, ClaimEmbedding
from factcheck.extensions import db
from factcheck.matching import index
from factcheck.matching.index import Neighbour, nearest
from factcheck.matching.models import ExternalRuling
from tests.workflow import add_claim

DIM = 8
MODEL = ("m", "v1", DIM)


def unit(*values: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def embed(claim: Claim, vector: np.ndarray, model: tuple[str, str, int] = MODEL) -> None:
    db.session.add(
        ClaimEmbedding(
            claim_id=claim.id,
            model_name=model[0],
            model_version=model[1],
            dimensions=model[2],
            vector=np.asarray(vector, dtype="<f4").tobytes(),
        )
    )
    db.session.flush()


def claim_with(vector: np.ndarray, **kw) -> Claim:  # noqa: ANN003
    claim = add_claim(**kw)
    embed(claim, vector)
    return claim


def ruling(vector: np.ndarray, key: str) -> ExternalRuling:
    row = ExternalRuling(
        record_key=key,
        publisher_name="Other Desk",
        claim_reviewed=f"Claim {key}",
        model_name=MODEL[0],
        model_version=MODEL[1],
        dimensions=DIM,
        vector=np.asarray(vector, dtype="<f4").tobytes(),
    )
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture(autouse=True)
def _fresh_cache():
    index.forget()
    yield
    index.forget()


def test_nearest_ranks_claims_and_rulings_best_first(app) -> None:
    a = claim_with(unit(1, 0))
    b = claim_with(unit(1, 1))
    claim_with(unit(0, 1))
    r = ruling(unit(1, 0.2), "r1")
    (found,) = nearest(db.session, unit(1, 0)[None, :], k=3, min_similarity=0.5)
    assert [(n.kind, n.id) for n in found] == [("claim", a.id), ("external", r.id), ("claim", b.id)]
    assert found[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert found[2].similarity == pytest.approx(np.sqrt(0.5), abs=1e-5)
    only_claims = nearest(db.session, unit(1, 0)[None, :], k=5, kinds=("claim",))[0]
    assert {n.kind for n in only_claims} == {"claim"}
    assert len(only_claims) == 3


def test_bar_exclusions_and_statuses(app) -> None:
    a = claim_with(unit(1, 0))
    b = claim_with(unit(1, 0.1))
    c = claim_with(unit(1, 0.2))
    d = claim_with(unit(1, 0.3))
    claim_with(unit(0, 1))
    b.status, b.dismiss_reason = ClaimStatus.DISMISSED, "not_a_claim"
    c.status, c.duplicate_of_id = ClaimStatus.MERGED, a.id
    db.session.flush()
    (found,) = nearest(
        db.session, unit(1, 0)[None, :], k=10, min_similarity=0.9, exclude_claim_ids=[a.id]
    )
    assert [n.id for n in found] == [d.id]
    # Status read now, not cached: the merged claim goes back to the queue.
    c.status, c.duplicate_of_id = ClaimStatus.NEW, None
    db.session.flush()
    (found,) = nearest(
        db.session, unit(1, 0)[None, :], k=10, min_similarity=0.9, exclude_claim_ids=[a.id]
    )
    assert [n.id for n in found] == [c.id, d.id]


def test_new_rows_are_appended_not_reloaded(app, monkeypatch) -> None:
    first = claim_with(unit(1, 0))
    nearest(db.session, unit(1, 0)[None, :], k=1)
    loads = []
    real_load = index._load
    monkeypatch.setattr(
        index,
        "_load",
        lambda s, q, col, after, d: loads.append(after) or real_load(s, q, col, after, d),
    )
    newer = claim_with(unit(0, 1))
    (found,) = nearest(db.session, unit(0, 1)[None, :], k=1)
    assert found == [Neighbour("claim", newer.id, pytest.approx(1.0, abs=1e-5))]
    # Only rows after the newest cached one were read.
    assert loads == [max(0, first.id - index.RESCAN)]
    nearest(db.session, unit(0, 1)[None, :], k=1)
    assert len(loads) == 1  # nothing new: nothing read


def test_a_row_committed_late_under_a_smaller_id_is_read_with_the_next_rows(app) -> None:
    late, early = add_claim(), claim_with(unit(0, 1))
    assert late.id < early.id
    nearest(db.session, unit(1, 0)[None, :], k=5)
    embed(late, unit(1, 0))  # as a concurrent ingest committing after `early`'s
    claim_with(unit(0, 0, 1))
    (found,) = nearest(db.session, unit(1, 0)[None, :], k=1)
    assert found[0].id == late.id


def test_other_models_and_dimensions_are_left_out(app) -> None:
    a = claim_with(unit(1, 0))
    other = add_claim()
    embed(other, unit(1, 0), ("m", "v0", DIM))
    (found,) = nearest(db.session, unit(1, 0)[None, :], k=5, model=MODEL)
    assert [n.id for n in found] == [a.id]
    (found,) = nearest(db.session, unit(1, 0)[None, :], k=5, model=("m", "v0", DIM))
    assert [n.id for n in found] == [other.id]
    # Queries of other dimensions match nothing.
    assert nearest(db.session, np.ones((1, 4), np.float32) / 2, k=5) == [[]]


def test_a_changed_row_under_a_cached_id_is_noticed(app) -> None:
    a = claim_with(unit(1, 0))
    nearest(db.session, unit(1, 0)[None, :], k=1)
    # As after a rollback on SQLite: the same id comes back with another vector.
    row = db.session.get(ClaimEmbedding, a.id)
    row.vector = np.asarray(unit(0, 1), dtype="<f4").tobytes()
    db.session.flush()
    assert nearest(db.session, unit(1, 0)[None, :], k=1, min_similarity=0.5) == [[]]
    (found,) = nearest(db.session, unit(0, 1)[None, :], k=1, min_similarity=0.5)
    assert [n.id for n in found] == [a.id]


def test_many_queries_and_the_k_limit(app) -> None:
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((60, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    claims = [claim_with(v) for v in rows]
    found = nearest(db.session, rows[:5], k=4)
    exact = rows[:5] @ rows.T
    for q, neighbours in enumerate(found):
        expected = [claims[i].id for i in np.argsort(-exact[q])[:4]]
        assert [n.id for n in neighbours] == expected


def test_usearch_index_above_the_size_bar(app) -> None:
    pytest.importorskip("usearch")
    rng = np.random.default_rng(2)
    rows = rng.standard_normal((40, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    claims = [claim_with(v) for v in rows]
    found = nearest(db.session, rows[:3], k=3, min_index_rows=10)
    store = next(s for key, s in index._stores.items() if key[1] == "claim")
    assert store.index is not None
    for q, neighbours in enumerate(found):
        assert neighbours[0].id == claims[q].id
        assert neighbours[0].similarity == pytest.approx(1.0, abs=1e-5)
    # New rows go into the index too.
    late = claim_with(unit(0, 0, 1))
    (found,) = nearest(db.session, unit(0, 0, 1)[None, :], k=1, min_index_rows=10)
    assert found[0].id == late.id


def test_reimported_ruling_vector_is_reloaded(app) -> None:
    r = ruling(unit(1, 0), "r1")
    assert (
        nearest(db.session, unit(1, 0)[None, :], kinds=("external",), model=MODEL)[0][0].id == r.id
    )
    r.vector = np.asarray(unit(0, 1), dtype="<f4").tobytes()
    # A re-import updates rows in place and writes its audit entry.
    record(
        db.session,
        actor=None,
        action=index.IMPORT_ACTION,
        entity_type="external_ruling",
        entity_id=None,
    )
    db.session.flush()
    (found,) = nearest(
        db.session, unit(0, 1)[None, :], kinds=("external",), model=MODEL, min_similarity=0.9
    )
    assert [n.id for n in found] == [r.id]
