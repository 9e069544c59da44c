"""Time the end-of-run site-health check on a large synthetic warehouse.

    uv run python benchmarks/bench_site_health.py [--loads 2000] [--per-load 500] [--sites 200] [--db FILE]

Fills a warehouse with hourly loads of articles spread over the sites (only the columns site
health reads are realistic), then times Writer.record_site_health for the last loads and the
README's "which sites changed in the last run" query. An existing --db is reused as it is.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from warehouse.db import Writer


def fill(writer: Writer, loads: int, per_load: int, sites: int) -> None:
    """Hourly loads from 2026-01-01, `per_load` articles each; a tenth without a title, a third without an author."""
    writer.con.execute(
        "INSERT INTO loads (load_id, started_at, status)"
        " SELECT 'L' || lpad(i::VARCHAR, 6, '0'), TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 HOUR,"
        " 'completed' FROM range(?) t(i)",
        [loads],
    )
    writer.con.execute(
        "INSERT INTO articles (article_id, doc_id, source_uri, title, authors, agencies, site_name, published_at,"
        " date_precision, media_type, text, word_count, extractor_version, load_id)"
        " SELECT 'a' || i, 'd' || i, 'u' || i, CASE WHEN i % 10 <> 0 THEN 't' END,"
        " CASE WHEN i % 3 <> 0 THEN ['x'] ELSE [] END, [], 'site' || (hash(i) % ?), DATE '2026-01-01', 'day',"
        " 'text/html', '', 100 + i % 700, '1', 'L' || lpad((i // ?)::VARCHAR, 6, '0')"
        " FROM range(?) t(i)",
        [sites, per_load, loads * per_load],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=2000)
    parser.add_argument("--per-load", type=int, default=500)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--db", type=Path, default=Path(tempfile.mkdtemp(prefix="newsflow-health-")) / "w.duckdb")
    args = parser.parse_args()
    fresh = not args.db.exists()
    with Writer(args.db) as writer:
        if fresh:
            started = time.perf_counter()
            fill(writer, args.loads, args.per_load, args.sites)
            print(f"filled {args.db} in {time.perf_counter() - started:.1f} s")
        articles, loads = writer.con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM loads)"
        ).fetchone()
        print(f"{articles} articles in {loads} loads")
        last = writer.con.execute("SELECT load_id FROM loads ORDER BY started_at DESC LIMIT 3").fetchall()
        for (load_id,) in reversed(last):
            writer.con.execute("DELETE FROM site_health_checks WHERE load_id = ?", [load_id])
            started = time.perf_counter()
            writer.record_site_health(load_id)
            elapsed = time.perf_counter() - started
            (sites,) = writer.con.execute(
                "SELECT count(*) FROM site_health_checks WHERE load_id = ?", [load_id]
            ).fetchone()
            print(f"record_site_health({load_id}): {sites} sites in {elapsed:.3f} s")
        started = time.perf_counter()
        writer.con.execute(
            "SELECT site_name, with_author - baseline_with_author FROM site_health_checks"
            " WHERE load_id = (SELECT load_id FROM loads ORDER BY started_at DESC LIMIT 1)"
        ).fetchall()
        print(f"the README's last-run query: {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
