"""The customer's settings: where the server is, their token and identity, how to send mail.

One TOML file in the user's config directory ($XDG_CONFIG_HOME or ~/.config, then
supportdesk-request/config.toml; SUPPORTDESK_REQUEST_CONFIG names another), written with mode
0600 because it holds the API token. SUPPORTDESK_REQUEST_SERVER and SUPPORTDESK_REQUEST_TOKEN
override the file, so a CI job or an IDE needs no file at all."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_DIR = "supportdesk-request"

# Every key `config set` accepts, with its type; anything else is a typo to report.
KEYS: dict[str, type] = {
    "server": str,
    "token": str,
    "email": str,
    "customer_number": str,
    "serial": str,
    "language": str,
    "support_address": str,
    "smtp_host": str,
    "smtp_port": int,
    "smtp_user": str,
    "smtp_password": str,
    "smtp_starttls": bool,
    "smtp_ssl": bool,
    "timeout": int,
}
SECRETS = frozenset({"token", "smtp_password"})
LANGUAGES = ("en", "es", "fr")


class ConfigError(Exception):
    """A setting that cannot be read or written; the message names it."""


def config_path() -> Path:
    named = os.environ.get("SUPPORTDESK_REQUEST_CONFIG")
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR / "config.toml"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR


@dataclass
class Config:
    server: str = ""
    token: str = ""
    email: str = ""
    customer_number: str = ""
    serial: str = ""
    language: str = ""
    support_address: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    timeout: int = 30
    path: Path | None = field(default=None, compare=False)

    @property
    def api_base(self) -> str:
        base = self.server.rstrip("/")
        # "https://support.example/api/v1" is a natural thing to paste: accept it too.
        return base if base.endswith("/api/v1") else base + "/api/v1"


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from error


def load_config(path: Path | None = None) -> Config:
    """The file's settings, then the environment's overrides."""
    path = path or config_path()
    values = _read_file(path)
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    config = Config(path=path)
    for key, value in values.items():
        if not isinstance(value, KEYS[key]):
            raise ConfigError(f"{path}: {key} must be a {KEYS[key].__name__}")
        setattr(config, key, value)
    config.server = os.environ.get("SUPPORTDESK_REQUEST_SERVER") or config.server
    config.token = os.environ.get("SUPPORTDESK_REQUEST_TOKEN") or config.token
    return config


def parse_value(key: str, raw: str) -> Any:
    if key not in KEYS:
        raise ConfigError(f"unknown setting {key!r}; known: {', '.join(KEYS)}")
    kind = KEYS[key]
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key} is true or false, not {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{key} is a number, not {raw!r}") from None
    if key == "language" and raw not in LANGUAGES:
        raise ConfigError(f"language is one of {', '.join(LANGUAGES)}, not {raw!r}")
    if key == "server" and raw and not raw.startswith(("http://", "https://")):
        raise ConfigError(f"server is a URL starting with https:// (or http://), not {raw!r}")
    return raw


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by its owner only, replacing the file atomically: the file
    holds the API token, and a crash midway must not leave half a configuration."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o600)  # the umask may have narrowed it, never widened; be exact
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def set_value(key: str, raw: str, path: Path | None = None) -> Path:
    """Set one key in the file (not the environment) and return the file's path."""
    path = path or config_path()
    value = parse_value(key, raw)
    values = _read_file(path)
    values[key] = value
    lines = ["# supportdesk-request settings (supportdesk-request config set KEY VALUE)"]
    lines += [f"{name} = {_toml_value(values[name])}" for name in KEYS if name in values]
    write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def unset_value(key: str, path: Path | None = None) -> Path:
    path = path or config_path()
    if key not in KEYS:
        raise ConfigError(f"unknown setting {key!r}; known: {', '.join(KEYS)}")
    values = _read_file(path)
    values.pop(key, None)
    lines = ["# supportdesk-request settings (supportdesk-request config set KEY VALUE)"]
    lines += [f"{name} = {_toml_value(values[name])}" for name in KEYS if name in values]
    write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def describe_secret(value: str) -> str:
    """Enough to tell two tokens apart, never enough to use one."""
    if not value:
        return "not set"
    prefix = "sdk_…" if value.startswith("sdk_") else "…"
    return f"set ({prefix}{value[-4:]})" if len(value) >= 12 else "set"


def shown_settings(config: Config) -> list[tuple[str, str]]:
    """Every setting as (key, text), secrets described rather than shown."""
    shown: list[tuple[str, str]] = []
    for key in KEYS:
        value = getattr(config, key)
        if key in SECRETS:
            text = describe_secret(value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value) if value not in ("", None) else "(not set)"
        shown.append((key, text))
    return shown
