"""Reading configuration from the environment.

Every setting comes from an environment variable with a default that works with no setup.
A bad value raises SettingError naming the variable, which the command line prints as one line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """A configuration variable holds a value we cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, f"expected true or false, got {raw!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingError(name, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SettingError(name, f"must be at most {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_host_port(text: str) -> tuple[str, int] | None:
    """A listening address, HOST:PORT ("127.0.0.1:2525", "[::1]:24", ":2525" for every
    address); None for an empty value (the listener is off). ValueError when malformed."""
    raw = text.strip()
    if not raw:
        return None
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ""
    else:
        host, _, port_text = raw.rpartition(":")
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ValueError(f"expected HOST:PORT, got {raw!r}")
    return host, port


def env_host_port(name: str, default: str) -> tuple[str, int] | None:
    try:
        return parse_host_port(os.environ.get(name, default))
    except ValueError as exc:
        raise SettingError(name, str(exc)) from None


def env_mail_addresses(name: str, default: str) -> list[str]:
    """Comma-separated mail addresses, lowercased; each must look like local@domain."""
    addresses = [item.strip().lower() for item in os.environ.get(name, default).split(",")]
    addresses = [address for address in addresses if address]
    for address in addresses:
        local, _, domain = address.rpartition("@")
        if not local or not domain or any(c.isspace() or c in "<>" for c in address):
            raise SettingError(
                name, f"expected addresses like support@example.com, got {address!r}"
            )
    return addresses


def env_choices(name: str, default: list[str], choices: list[str]) -> list[str]:
    """Comma-separated words, each one of `choices`, lowercased and without repeats."""
    words = [word.lower() for word in env_list(name, default)]
    unknown = [word for word in words if word not in choices]
    if unknown:
        raise SettingError(
            name, f"expected some of {', '.join(choices)}, got {', '.join(map(repr, unknown))}"
        )
    return list(dict.fromkeys(words))


_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}")


def env_mail_senders(name: str, default: list[str]) -> list[str]:
    """Comma-separated mail addresses or domains (fax@gateway.example, gateway.example),
    lowercased; anything else raises SettingError."""
    senders = [item.lower() for item in env_list(name, default)]
    for sender in senders:
        local, at, domain = sender.rpartition("@")
        if (
            (at and not local)
            or any(c.isspace() or c in "<>" for c in local)
            or not (_DOMAIN.fullmatch(domain))
        ):
            raise SettingError(
                name, f"expected addresses or domains like fax.example.net, got {sender!r}"
            )
    return senders


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise SettingError(name, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_optional_path(name: str) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else None


def env_database(name: str, default_sqlite: Path) -> dict[str, Any]:
    """DATABASE_URL for PostgreSQL or SQLite; an embedded SQLite file when unset."""
    raw = os.environ.get(name)
    if not raw:
        config: dict[str, Any] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
        }
    else:
        try:
            config = dict(dj_database_url.parse(raw))
        except (ValueError, KeyError) as exc:
            raise SettingError(name, f"cannot read this database URL ({exc})") from None
        engine = config.get("ENGINE", "")
        if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
            raise SettingError(name, "supportdesk runs on postgres:// or sqlite:// URLs")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process read while the worker writes; IMMEDIATE transactions make
        # writers queue on the lock instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    else:
        # Each gunicorn sync worker holds at most one connection, so keeping it is bounded
        # and 4-5x faster than connecting per request (measured: 990 vs 200 req/s). The
        # exhaustion seen earlier came from uvicorn's thread pool, which we do not use.
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
        config["CONN_HEALTH_CHECKS"] = True
        options = config.setdefault("OPTIONS", {})
        # Ticket lists join ~9 small tables by foreign key; PostgreSQL spent 13-20 ms
        # planning them for < 1.5 ms of execution. Keeping the written join order past 4
        # tables cut the ticket page and list p95 by half at 1 M tickets (bench/RESULTS.md).
        limit = env_int("DATABASE_JOIN_COLLAPSE_LIMIT", 4, minimum=0)
        if limit and "join_collapse_limit" not in options.get("options", ""):
            options["options"] = (
                f"{options.get('options', '')} -c join_collapse_limit={limit}".strip()
            )
    config["ATOMIC_REQUESTS"] = False
    return config
