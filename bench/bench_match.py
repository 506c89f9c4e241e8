"""Benchmark top-10 cosine search over stored claim embeddings; prints figures (issue 16).

    .venv/bin/python bench/bench_match.py [--sizes 10000,100000,1000000] [--queries 200]
        [--data clustered,uniform] [--index-max 100000] [--dtype f16]

Claim embeddings are 384-dimensional, L2-normalised float32 (all-MiniLM-L6-v2), so cosine
similarity is a dot product. For each size N this generates N stored vectors and times the
top-10 for --queries query vectors:

- brute force, one query at a time (matrix @ query, np.argpartition): p50/p95 per query,
  which is what matching one new claim costs; its time does not depend on the data, so it
  is timed on the first --data kind only;
- brute force batched (all queries at once, in row blocks so the score matrix stays
  small), which is what ingest costs when it matches a document's claims together;
- a usearch HNSW index (`pip install usearch`; skipped when it is not importable), for
  N up to --index-max (a 1M index takes minutes to build on two cores): build time, index
  memory, per-query p50/p95, and recall@10 against the brute-force answer.

Two kinds of data: "uniform" vectors spread evenly over the sphere (the worst case for an
index: every vector is about equally far from every other), and "clustered" ones near a few
thousand centres, as real claim embeddings are (claims repeat topics); the queries of the
clustered kind are new vectors near random centres, like a new claim on an old topic.
Memory: the stored matrix is N x 384 x 4 bytes (1.5 GB at 1M, per data kind).

With --db, it also times factcheck.matching.index.nearest() itself, reading from a
database: N claims and their embeddings (clustered vectors) are written with executemany
into a fresh SQLite file and, with --pg URL (a server where the bench may create and drop
the database factcheck_bench_match), into PostgreSQL; then the first call (loading the
vectors into the per-process cache: time and RSS), warm calls for one claim (p50/p95:
the cache check, the search, the statuses and vectors of the candidates read back), and
the same through the usearch index that nearest() builds above MATCH_INDEX_MIN_ROWS, with
its build time and recall@10 against nearest()'s brute force:

    .venv/bin/python bench/bench_match.py --db --db-sizes 10000,100000 \
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

DIM = 384
TOP = 10
BLOCK = 65_536  # rows per block of the batched search: 65,536 x 200 scores = 50 MB


def rss_mib() -> float:
    """Current resident set size in MiB (Linux /proc), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def normalise(rows: np.ndarray) -> np.ndarray:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors spread evenly over the sphere, generated in blocks to bound memory."""
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        out[start:stop] = normalise(rng.standard_normal((stop - start, DIM), dtype=np.float32))
    return out


def clustered(n: int, centres: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors near random centres: each is centre + noise of norm about `noise`.

    With noise 0.75 a vector's cosine to its centre is about 0.8 and to another vector of
    the same cluster about 0.64, near what paraphrases of one claim score in MiniLM.
    """
    out = np.empty((n, DIM), dtype=np.float32)
    scale = np.float32(noise / np.sqrt(DIM))
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        pick = rng.integers(0, len(centres), stop - start)
        block = rng.standard_normal((stop - start, DIM), dtype=np.float32) * scale
        block += centres[pick]
        out[start:stop] = normalise(block)
    return out


def top_one(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Indices of the TOP highest dot products, best first: the brute-force search."""
    scores = matrix @ query
    best = np.argpartition(scores, -TOP)[-TOP:]
    return best[np.argsort(scores[best])[::-1]]


def top_batched(matrix: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TOP indices and scores per query (rows), best first, scoring blocks of rows."""
    best_idx = np.empty((len(queries), 0), dtype=np.int64)
    best_score = np.empty((len(queries), 0), dtype=np.float32)
    for start in range(0, len(matrix), BLOCK):
        scores = queries @ matrix[start : start + BLOCK].T  # queries x block
        k = min(TOP, scores.shape[1])
        part = np.argpartition(scores, -k, axis=1)[:, -k:]
        cand_score = np.concatenate([best_score, np.take_along_axis(scores, part, 1)], axis=1)
        cand_idx = np.concatenate([best_idx, part + start], axis=1)
        keep = np.argsort(-cand_score, axis=1)[:, :TOP]
        best_score = np.take_along_axis(cand_score, keep, 1)
        best_idx = np.take_along_axis(cand_idx, keep, 1)
    return best_idx, best_score


def percentiles(call: Callable[[int], object], count: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of call(i) for i in range(count), after one warm-up."""
    call(0)
    times = []
    for i in range(count):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def recall(found: np.ndarray, exact: np.ndarray, relevant: np.ndarray) -> float | None:
    """Share of the exact top-10 entries marked relevant that the index found.

    With every entry relevant this is recall@10. Restricted to the entries similar enough
    to show a user, it leaves out near-ties far from the query, which an index may swap
    for others just as far without any loss to the feature.
    """
    hits = total = 0
    for f, e, r in zip(found, exact, relevant, strict=True):
        wanted = set(e[r].tolist())
        hits += len(wanted & set(f.tolist()))
        total += len(wanted)
    return hits / total if total else None


def bench_index(
    matrix: np.ndarray,
    queries: np.ndarray,
    exact: tuple[np.ndarray, np.ndarray],
    args: argparse.Namespace,
) -> None:
    from usearch.index import Index

    before = rss_mib()
    index = Index(ndim=DIM, metric="ip", dtype=args.dtype)
    start = time.perf_counter()
    index.add(np.arange(len(matrix), dtype=np.uint64), matrix, threads=os.cpu_count() or 1)
    built = time.perf_counter() - start
    print(
        f"    usearch HNSW ({index.dtype.name.lower()}, M={index.connectivity}, "
        f"ef_add={index.expansion_add}): build {built:6.1f} s "
        f"({len(matrix) / built:,.0f} vectors/s), index {index.memory_usage / 2**20:,.0f} MiB, "
        f"RSS +{rss_mib() - before:,.0f} MiB"
    )
    for ef in args.ef:
        index.expansion_search = ef
        p50, p95 = percentiles(lambda i: index.search(queries[i], TOP), len(queries))
        found = index.search(queries, TOP, threads=os.cpu_count() or 1).keys.astype(np.int64)
        every = recall(found, exact[0], np.ones_like(exact[1], dtype=bool))
        similar = recall(found, exact[0], exact[1] >= args.similar)
        print(
            f"      ef={ef:<4} query p50 {p50:7.3f} ms  p95 {p95:7.3f} ms  recall@10 {every:.3f}"
            f", of those with cos >= {args.similar}: "
            + (f"{similar:.3f}" if similar is not None else "none")
            + f" ({int((exact[1] >= args.similar).sum())})"
        )


def bench_size(
    matrix: np.ndarray,
    queries: np.ndarray,
    one_by_one: bool,
    has_usearch: bool,
    args: argparse.Namespace,
) -> float | None:
    """Print the figures for one N; return the one-query brute-force p95 when timed."""
    n = len(matrix)
    print(f"  N = {n:,} ({matrix.nbytes / 2**20:,.0f} MiB)")
    p95 = None
    if one_by_one:
        p50, p95 = percentiles(lambda i: top_one(matrix, queries[i]), len(queries))
        print(f"    brute force, one query:  p50 {p50:8.2f} ms  p95 {p95:8.2f} ms")
    runs = []
    for _ in range(3 if n <= 100_000 else 1):  # median of 3 where that is cheap
        start = time.perf_counter()
        exact = top_batched(matrix, queries)
        runs.append((time.perf_counter() - start) * 1000)
    elapsed = statistics.median(runs)
    print(
        f"    brute force, {len(queries)} at once: {elapsed:8.1f} ms "
        f"({elapsed / len(queries):.2f} ms per query)"
    )
    if has_usearch and n <= args.index_max:
        bench_index(matrix, queries, exact, args)
    elif has_usearch:
        print(f"    usearch skipped above --index-max {args.index_max:,}")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Stored vectors N.")
    parser.add_argument("--queries", type=int, default=200, help="Query vectors per size.")
    parser.add_argument("--data", default="clustered,uniform", help="clustered and/or uniform.")
    parser.add_argument("--centres", type=int, default=3000, help="Clusters of claims.")
    parser.add_argument("--noise", type=float, default=0.75, help="Noise norm around a centre.")
    parser.add_argument(
        "--index-max", type=int, default=100_000, help="Largest N to build an index for."
    )
    parser.add_argument("--dtype", default="f16", help="usearch storage: f32, f16 or i8.")
    parser.add_argument("--ef", default="64,256", help="usearch expansion_search values.")
    parser.add_argument(
        "--similar", type=float, default=0.5, help="Cosine of a match worth showing."
    )
    parser.add_argument("--budget-ms", type=float, default=100.0, help="Per-query budget.")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--db", action="store_true", help="Time nearest() from a database.")
    parser.add_argument("--db-only", action="store_true", help="Only the --db figures.")
    parser.add_argument("--db-sizes", default="10000,100000", help="Claims stored for --db.")
    parser.add_argument("--pg", default="", help="PostgreSQL server URL for --db.")
    parser.add_argument("--db-backends", default="sqlite,postgresql", help="For --db.")
    parser.add_argument(
        "--db-index-max", type=int, default=100_000, help="Largest N to time usearch for --db."
    )
    args = parser.parse_args()
    if args.db or args.db_only:
        bench_databases(args)
        if args.db_only:
            return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    kinds = [k.strip() for k in args.data.split(",")]
    args.ef = [int(e) for e in args.ef.split(",")]
    try:
        import usearch

        has_usearch = True
        usearch_note = f"usearch {usearch.__version__}"
    except ImportError:
        has_usearch = False
        usearch_note = "usearch not installed, index skipped"
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {usearch_note}, "
        f"{os.cpu_count()} CPUs; dim {DIM}, top {TOP}, {args.queries} queries"
    )

    rng = np.random.default_rng(args.seed)
    centres = uniform(args.centres, rng)
    brute_p95: dict[int, float] = {}
    for kind in kinds:
        start = time.perf_counter()
        if kind == "clustered":
            stored = clustered(sizes[-1], centres, args.noise, rng)
            queries = clustered(args.queries, centres, args.noise, rng)
        elif kind == "uniform":
            stored, queries = uniform(sizes[-1], rng), uniform(args.queries, rng)
        else:
            parser.error(f"unknown --data kind {kind!r}")
        print(
            f"\n{kind}: {sizes[-1]:,} vectors generated in {time.perf_counter() - start:.1f} s "
            f"({stored.nbytes / 2**20:,.0f} MiB), RSS {rss_mib():,.0f} MiB"
        )
        for n in sizes:
            p95 = bench_size(stored[:n], queries, kind == kinds[0], has_usearch, args)
            if p95 is not None:
                brute_p95[n] = p95
        del stored  # frees this kind's vectors before the next kind's

    largest = sizes[-1]
    if largest in brute_p95:
        fits = int(largest * args.budget_ms / brute_p95[largest])
        print(
            f"\nbrute force p95 grows about linearly with N: {brute_p95[largest]:.1f} ms at "
            f"{largest:,}, so one query stays within {args.budget_ms:.0f} ms up to about "
            f"{fits:,} stored claims on this machine"
        )


def _fill(engine, n: int, vectors: np.ndarray) -> None:  # noqa: ANN001
    """N articles' worth of claims (one per article) and their embeddings, executemany."""
    import sqlalchemy as sa

    from factcheck.claims.models import Claim, ClaimEmbedding

    model = ("bench", "1")
    with engine.begin() as conn:
        for start in range(0, n, 20_000):
            stop = min(start + 20_000, n)
            conn.execute(
                sa.insert(Claim.__table__),
                [
                    {
                        "id": i + 1,
                        "text": f"Claim {i}",
                        "status": "new",
                        "priority": 0.5,
                        "article_count": 1,
                        "version": 1,
                        "hedged": False,
                    }
                    for i in range(start, stop)
                ],
            )
            conn.execute(
                sa.insert(ClaimEmbedding.__table__),
                [
                    {
                        "claim_id": i + 1,
                        "model_name": model[0],
                        "model_version": model[1],
                        "dimensions": DIM,
                        "vector": vectors[i].astype("<f4").tobytes(),
                    }
                    for i in range(start, stop)
                ],
            )


def _bench_nearest(
    url: str, n: int, stored: np.ndarray, queries: np.ndarray, index_max: int
) -> None:
    """Print nearest()'s figures for one database holding N claims."""
    import sqlalchemy as sa

    import factcheck.models  # noqa: F401  (every table, for create_all)
    from factcheck.db import Base
    from factcheck.matching import index

    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":  # functions and triggers too
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        _time_nearest(engine, n, stored, queries, index_max)
    finally:
        index.forget()
        engine.dispose()


def _time_nearest(engine, n: int, stored: np.ndarray, queries: np.ndarray, index_max: int) -> None:  # noqa: ANN001
    import sqlalchemy.orm as so

    from factcheck.matching import index

    start = time.perf_counter()
    _fill(engine, n, stored)
    print(f"    {n:,} claims written in {time.perf_counter() - start:.1f} s")
    model = ("bench", "1", DIM)
    with so.Session(engine) as session:
        for label, min_rows in (("brute force", 10**12), ("usearch", 0))[: 1 + (n <= index_max)]:
            index.forget()
            before = rss_mib()
            start = time.perf_counter()
            index.nearest(
                session, queries[:1], k=TOP, kinds=("claim",), model=model, min_index_rows=min_rows
            )
            first = time.perf_counter() - start
            grown = rss_mib() - before
            p50, p95 = percentiles(
                lambda i, min_rows=min_rows: index.nearest(
                    session,
                    queries[i : i + 1],
                    k=TOP,
                    kinds=("claim",),
                    model=model,
                    min_index_rows=min_rows,
                ),
                len(queries),
            )
            found = [
                [nb.id for nb in row]
                for row in index.nearest(
                    session, queries, k=TOP, kinds=("claim",), model=model, min_index_rows=min_rows
                )
            ]
            if label == "brute force":
                exact = found
                note = ""
            else:
                hits = sum(len(set(f) & set(e)) for f, e in zip(found, exact, strict=True))
                note = f", recall@10 vs brute force {hits / sum(map(len, exact)):.3f}"
            print(
                f"    nearest() {label:<11}: first call (load{' + build' if min_rows == 0 else ''})"
                f" {first:6.2f} s, RSS +{grown:,.0f} MiB; warm one claim p50 {p50:6.2f} ms "
                f"p95 {p95:6.2f} ms{note}"
            )


def bench_databases(args: argparse.Namespace) -> None:
    """nearest() from SQLite (a temporary file) and PostgreSQL (--pg) at --db-sizes."""
    import tempfile

    import sqlalchemy as sa

    rng = np.random.default_rng(args.seed)
    sizes = sorted(int(s) for s in args.db_sizes.split(","))
    centres = uniform(args.centres, rng)
    stored = clustered(sizes[-1], centres, args.noise, rng)
    queries = clustered(args.queries, centres, args.noise, rng)
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in args.db_backends:
            targets.append(("SQLite", f"sqlite:///{folder}/bench.db"))
        if args.pg and "postgresql" in args.db_backends:
            server = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS factcheck_bench_match")
                conn.exec_driver_sql("CREATE DATABASE factcheck_bench_match")
            targets.append(
                ("PostgreSQL", sa.make_url(args.pg).set(database="factcheck_bench_match"))
            )
        try:
            for name, url in targets:
                print(f"\nnearest() from {name}, {args.queries} queries, top {TOP}:")
                for n in sizes:
                    _bench_nearest(
                        url.render_as_string(hide_password=False)
                        if not isinstance(url, str)
                        else url,
                        n,
                        stored[:n],
                        queries,
                        args.db_index_max,
                    )
        finally:
            if args.pg and "postgresql" in args.db_backends:
                with server.connect() as conn:
                    conn.exec_driver_sql("DROP DATABASE IF EXISTS factcheck_bench_match")
                server.dispose()


if __name__ == "__main__":
    main()
