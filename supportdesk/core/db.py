"""Database upkeep that the embedded default (SQLite) does not do by itself."""

from __future__ import annotations

from django.db import connection

# Rows sampled per index: enough for the planner to choose the right index, fast at
# millions of rows (a full ANALYZE took 1.8 s at 1 M tickets).
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_planner_statistics() -> None:
    """Give SQLite's planner fresh statistics. Without them, a technician's ticket list at
    1 M tickets took 800 ms instead of 20 ms (bench/RESULTS.md). PostgreSQL's autovacuum
    keeps its own statistics, so this does nothing there."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
