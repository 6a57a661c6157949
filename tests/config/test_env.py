"""Configuration read from the environment: PostgreSQL tuning and clear errors."""

from pathlib import Path

import pytest

from config.env import SettingError, env_database, env_int


def test_postgresql_keeps_the_written_join_order_past_four_tables(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/supportdesk")
    config = env_database("DATABASE_URL", Path("unused.sqlite3"))
    assert config["OPTIONS"]["options"] == "-c join_collapse_limit=4"
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


def test_the_join_limit_can_be_turned_off_or_given_in_the_url(monkeypatch):
    monkeypatch.setenv("DATABASE_JOIN_COLLAPSE_LIMIT", "0")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/supportdesk")
    assert "options" not in env_database("DATABASE_URL", Path("x"))["OPTIONS"]
    monkeypatch.delenv("DATABASE_JOIN_COLLAPSE_LIMIT")
    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/supportdesk?options=-c%20join_collapse_limit%3D8",
    )
    assert env_database("DATABASE_URL", Path("x"))["OPTIONS"]["options"] == (
        "-c join_collapse_limit=8"
    )


def test_a_number_out_of_bounds_names_the_variable(monkeypatch):
    monkeypatch.setenv("SUPPORTDESK_SLA_WARNING_PERCENT", "150")
    with pytest.raises(SettingError) as error:
        env_int("SUPPORTDESK_SLA_WARNING_PERCENT", 75, minimum=1, maximum=99)
    assert str(error.value) == "SUPPORTDESK_SLA_WARNING_PERCENT: must be at most 99, got 150"
