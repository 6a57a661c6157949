"""Auto-collection: what the tool learns about this machine, and the product information its
caller hands over (an IDE knows its product, version, build, add-ons and database).

Every item is a CollectedItem with the document path it fills, so the customer sees each
one and can remove it before sending (`--omit environment.memory_mb`, or in the wizard).
Nothing here fails: a fact that cannot be read is simply not collected."""

from __future__ import annotations

import json
import locale
import os
import platform
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from supportdesk_request.texts import item_label
from supportdesk_request.values import CollectedItem

PRODUCT_INFO_ENV = "SUPPORTDESK_REQUEST_PRODUCT_INFO"

# Product information keys (as an IDE hands them over) -> document path (its label is the
# catalogue's "item.<path>", in English here; the wizard shows it in the customer's language).
PRODUCT_KEYS: dict[str, str] = {
    "code": "product.code",
    "version": "product.version",
    "build": "product.build",
    "edition": "product.edition",
    "runtime": "environment.runtime",
    "database": "environment.database",
    "addons": "environment.addons",
}
ALIASES = {"product": "code", "product_code": "code", "product_version": "version"}


class ProductInfoError(ValueError):
    """Product information that is not a JSON object (or a file holding one)."""


def read_product_info(source: str | None) -> dict[str, Any] | None:
    """Product information from `source` (a JSON object, or the path of a JSON or TOML
    file), else from the SUPPORTDESK_REQUEST_PRODUCT_INFO environment variable."""
    source = source or os.environ.get(PRODUCT_INFO_ENV)
    if not source:
        return None
    text = source.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise ProductInfoError(f"product information: cannot read {path}: {error}") from None
        if path.suffix.lower() == ".toml":
            import tomllib

            try:
                return tomllib.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise ProductInfoError(f"product information: {path}: {error}") from None
        text = raw.decode("utf-8", errors="replace")
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProductInfoError(f"product information is not JSON: {error}") from None
    if not isinstance(info, dict):
        raise ProductInfoError("product information must be a JSON object")
    return info


def _os_name() -> str:
    system = platform.system()
    if system == "Linux":
        try:
            release = platform.freedesktop_os_release()
            pretty = release.get("PRETTY_NAME") or release.get("NAME")
            if pretty:
                return f"{pretty} (Linux {platform.release()})"
        except OSError:
            pass
    if system == "Darwin":
        version = platform.mac_ver()[0]
        return f"macOS {version}" if version else "macOS"
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    return f"{system} {platform.release()}".strip()


def _system_language() -> str | None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0][:40]
    try:
        language = locale.getlocale()[0]
    except ValueError:
        language = None
    return language[:40] if language else None


def _memory_mb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (AttributeError, ValueError, OSError):
        return None


def _disk_free_mb(where: Path) -> int | None:
    try:
        return shutil.disk_usage(where).free // (1024 * 1024)
    except OSError:
        return None


def _item(key: str, value: Any) -> CollectedItem:
    return CollectedItem(key, item_label(key), value)


def collect_environment(product_info: Mapping[str, Any] | None = None) -> list[CollectedItem]:
    """Everything gathered about this machine and the caller's product."""
    return collect_product(product_info) + collect_machine(product_info)


def _normalized(product_info: Mapping[str, Any] | None) -> dict[str, Any]:
    return {ALIASES.get(key, key): value for key, value in (product_info or {}).items()}


def collect_product(product_info: Mapping[str, Any] | None) -> list[CollectedItem]:
    """What the caller handed over about its product (an IDE knows its own version)."""
    items: list[CollectedItem] = []
    info = _normalized(product_info)
    for key, path in PRODUCT_KEYS.items():
        value = info.get(key)
        if key == "addons":
            addons = [
                {"name": str(addon["name"]), "version": str(addon.get("version", ""))}
                for addon in value or []
                if isinstance(addon, Mapping) and addon.get("name")
            ]
            if addons:
                items.append(_item(path, addons))
        elif value not in (None, ""):
            items.append(_item(path, str(value)))
    return items


def collect_machine(product_info: Mapping[str, Any] | None = None) -> list[CollectedItem]:
    """What the tool measures on this machine."""
    items: list[CollectedItem] = []
    info = _normalized(product_info)
    items.append(_item("environment.os", _os_name()))
    machine = platform.machine()
    if machine:
        items.append(_item("environment.architecture", machine.lower()))
    language = _system_language()
    if language:
        items.append(_item("environment.language", language))
    memory = _memory_mb()
    if memory is not None:
        items.append(_item("environment.memory_mb", memory))
    # The free space where the customer's project lives matters more than the home's.
    project = info.get("project_path")
    where = Path(str(project)).expanduser() if project else Path.home()
    disk = _disk_free_mb(where if where.exists() else Path.home())
    if disk is not None:
        items.append(_item("environment.disk_free_mb", disk))
    return items
