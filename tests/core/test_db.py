import pytest
from django.db import connection

from supportdesk.core.db import refresh_planner_statistics
from tests.factories import make_ticket


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL keeps its statistics by autovacuum"
)
def test_sqlite_gets_planner_statistics_for_the_ticket_indexes(customer, team):
    make_ticket(requester=customer, team=team)
    refresh_planner_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'tickets_ticket'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "ticket_team_unresolved" in indexes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the option is PostgreSQL's")
def test_postgresql_connections_use_the_join_collapse_limit(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone() == ("4",)
