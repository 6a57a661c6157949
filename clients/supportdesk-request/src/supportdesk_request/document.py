"""Building a Standard Request (supportdesk request v1) from flags, a TOML or JSON file,
the configuration's identity and the collected items; and turning its files into the
attachment manifest.

A draft is a partial document that may carry the private key "_files": [{"path", "role",
"compress"?}], the files to attach; `prepare_files` turns it into the manifest (name, size,
sha256, role) just before sending. Private keys (starting with "_") never leave the machine."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportdesk_request import CLIENT_NAME, __version__
from supportdesk_request.config import Config
from supportdesk_request.values import CollectedItem

FORMAT = "supportdesk-request"
ROLES = ("screenshot", "log", "dump", "project")
TYPES = ("question", "bug", "crash", "performance", "installation_licence", "suggestion")
FREQUENCIES = ("always", "often", "sometimes", "once")
URGENCIES = ("low", "normal", "high", "critical")
FILES_KEY = "_files"


class DocumentError(ValueError):
    """A file, flag or value the tool cannot turn into a request; the message names it."""


@dataclass(frozen=True)
class AttachedFile:
    """A file as it will be sent: its manifest entry and where its bytes are."""

    path: Path
    name: str
    role: str
    size: int
    sha256: str

    def manifest_entry(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256, "role": self.role}


def get_path(document: Mapping[str, Any], dotted: str) -> Any:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def set_path(document: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = document
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` wins, object by object (a flag's --build does not erase the file's product)."""
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_attach(spec: str) -> dict[str, Any]:
    """`PATH[:role]`; a Windows drive letter ("C:\\x") is not a role."""
    path, role = spec, ""
    head, sep, tail = spec.rpartition(":")
    if sep and tail in ROLES:
        path, role = head, tail
    return {"path": path, "role": role or guess_role(path)}


def guess_role(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"):
        return "screenshot"
    if suffix in (".log", ".txt", ".out"):
        return "log"
    if suffix in (".dmp", ".mdmp", ".core", ".hprof"):
        return "dump"
    return "project"


def read_request_file(path: Path, content: bytes | None = None) -> dict[str, Any]:
    """A draft from a TOML or JSON file (or its `content`, read from standard input when the
    path is "-"). Relative attachment paths are relative to the file."""
    if content is not None:
        raw = content
    else:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise DocumentError(f"--from-file: cannot read {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentError(f"--from-file: {path} is not UTF-8 text") from None
    is_toml = path.suffix.lower() == ".toml" or (
        path.suffix.lower() != ".json" and not text.lstrip().startswith("{")
    )
    try:
        data = tomllib.loads(text) if is_toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        kind = "TOML" if is_toml else "JSON"
        raise DocumentError(f"--from-file: {path} is not valid {kind}: {error}") from None
    if not isinstance(data, dict):
        raise DocumentError(f"--from-file: {path} must hold an object (the request's fields)")
    files = data.pop("attachments_files", None)
    if files is not None:
        data[FILES_KEY] = list(data.get(FILES_KEY) or []) + list(files)
    if FILES_KEY in data:
        if not isinstance(data[FILES_KEY], list):
            raise DocumentError(
                f"--from-file: {path}: attachments_files is a list of {{path, role}}"
            )
        resolved = []
        for entry in data[FILES_KEY]:
            entry = {"path": entry} if isinstance(entry, str) else dict(entry)
            if "path" not in entry:
                raise DocumentError(f"--from-file: {path}: an attachment without a path")
            file_path = Path(str(entry["path"])).expanduser()
            if not file_path.is_absolute():
                file_path = path.parent / file_path
            entry["path"] = str(file_path)
            entry.setdefault("role", guess_role(str(file_path)))
            resolved.append(entry)
        data[FILES_KEY] = resolved
    # The manifest is computed from the files actually attached, never taken on trust.
    data.pop("attachments", None)
    return data


def identity_defaults(config: Config) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    customer = {
        key: value
        for key, value in (
            ("email", config.email),
            ("customer_number", config.customer_number),
            ("serial", config.serial),
        )
        if value
    }
    if customer:
        defaults["customer"] = customer
    if config.language:
        defaults["language"] = config.language
    return defaults


def build_draft(*layers: Mapping[str, Any], config: Config | None = None) -> dict[str, Any]:
    """The config's identity, then each layer over the previous one (a file, then flags).
    Format, version and client are always set by the tool."""
    draft = identity_defaults(config) if config is not None else {}
    for layer in layers:
        draft = deep_merge(draft, layer)
    draft.pop("format", None)
    draft.pop("version", None)
    draft["client"] = {"name": CLIENT_NAME, "version": __version__}
    return {"format": FORMAT, "version": 1, **draft}


def merge_collected(
    draft: Mapping[str, Any], collected: Iterable[CollectedItem], omit: Iterable[str] = ()
) -> dict[str, Any]:
    """The collected items at their keys, except those the customer removed or already
    gave: what the customer typed wins over what was measured."""
    omitted = set(omit)
    document = copy.deepcopy(dict(draft))
    for item in collected:
        if item.key in omitted or item.key.split(".")[0] in omitted:
            continue
        if get_path(document, item.key) in (None, "", []):
            set_path(document, item.key, copy.deepcopy(item.value))
    return document


def missing_fields(document: Mapping[str, Any]) -> list[str]:
    """What the format requires that the document lacks (the schema's `required`, including
    its per-type rules): enough to know whether the wizard must ask, or --no-input refuse."""
    missing = [
        name
        for name in ("customer.email", "product.code", "product.version", "type", "subject")
        if get_path(document, name) in (None, "", [])
    ]
    kind = document.get("type")
    needed: tuple[str, ...] = ()
    if kind in ("bug", "crash"):
        needed = ("steps", "actual")
    elif kind in ("question", "suggestion", "installation_licence"):
        needed = ("description",)
    elif kind == "performance":
        needed = ("actual",)
    missing += [name for name in needed if document.get(name) in (None, "", [])]
    return missing


def public_document(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The document without the tool's private keys."""
    return {key: value for key, value in draft.items() if not key.startswith("_")}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe_file(path: Path, role: str, name: str | None = None) -> AttachedFile:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DocumentError(f"attachment {path}: {error.strerror or error}") from None
    if not path.is_file():
        raise DocumentError(f"attachment {path}: not a file (attach a zip of a folder)")
    if role not in ROLES:
        raise DocumentError(f"attachment {path}: role {role!r} is not one of {', '.join(ROLES)}")
    return AttachedFile(path, name or path.name, role, size, sha256_of(path))


def compress_file(path: Path, into: Path) -> Path:
    """A deflated zip of `path` in the directory `into`."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / f"{path.name}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.write(path, arcname=path.name)
    return target


def files_of(draft: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = draft.get(FILES_KEY) or []
    if not isinstance(entries, list):
        raise DocumentError("_files must be a list of {path, role}")
    return [dict(entry) for entry in entries]


def with_manifest(document: Mapping[str, Any], files: Iterable[AttachedFile]) -> dict[str, Any]:
    """The public document whose `attachments` lists exactly `files`."""
    result = public_document(document)
    manifest = [attached.manifest_entry() for attached in files]
    if manifest:
        result["attachments"] = manifest
    else:
        result.pop("attachments", None)
    names = [entry["name"] for entry in manifest]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DocumentError(
            f"two attachments are named {duplicates[0]}: rename one (the server tells files "
            "apart by name)"
        )
    return result
