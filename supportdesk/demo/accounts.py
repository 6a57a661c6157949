"""The accounts a newcomer signs in with: an administrator, a technician, and a customer
(for the portal).

Passwords are random, made on first creation, and kept in `DATA_DIR/demo-accounts.json`
(readable by the owner only) so that every later start can print them again. The file is
the only copy: when it is lost, the passwords of the existing accounts are reset and the
file written again. Never call this outside the demo profile: it resets the password of an
existing `admin` user whose password it does not know.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from supportdesk.demo.customers import ensure_portal_contact
from supportdesk.demo.reference import (
    DEMO_TECHNICIAN_USERNAME,
    ensure_technician,
    ensure_technicians_group,
    technician_spec,
)

ACCOUNTS_FILE = "demo-accounts.json"

# (role, username)
ACCOUNTS = (
    ("admin", "admin"),
    ("technician", DEMO_TECHNICIAN_USERNAME),
    ("customer", "customer"),
)
NAMES = {
    "admin": ("Demo", "Administrator", "admin@support.example"),
    "customer": ("Claire", "Fontaine", "claire.fontaine@fontaine-informatique.example"),
}


def accounts_file() -> Path:
    return Path(settings.DATA_DIR) / ACCOUNTS_FILE


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create or repair the demo accounts; return (role, username, password) for each."""
    path = accounts_file()
    stored = _read_passwords(path)
    passwords: dict[str, str] = {}
    with transaction.atomic():
        for role, username in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            password = stored.get(username)
            if user is None:
                password = password or _new_password()
                user = _create_user(role, username, password)
            elif password is None:
                password = _new_password()
                user.set_password(password)
                user.save(update_fields=["password"])
            _set_up(role, user)
            passwords[username] = password
        # Written inside the transaction: if the file cannot be written, no password changes.
        if passwords != stored or not path.exists():
            _write_passwords(path, passwords)
        else:
            os.chmod(path, 0o600)
    return [(role, username, passwords[username]) for role, username in ACCOUNTS]


def _new_password() -> str:
    return secrets.token_urlsafe(12)


def _create_user(role: str, username: str, password: str) -> User:
    if role == "technician":
        spec = technician_spec(username)
        first_name, _, last_name = spec.display_name.partition(" ")
        email = spec.email
    else:
        first_name, last_name, email = NAMES[role]
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.save()
    return user


def _set_up(role: str, user: User) -> None:
    """What each role needs besides its password; saves only what is missing."""
    wanted = {
        "admin": {"is_staff": True, "is_superuser": True, "is_active": True},
        "technician": {"is_staff": True, "is_active": True},
        "customer": {"is_active": True},
    }[role]
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, wanted[name])
        user.save(update_fields=changed)
    if role == "technician":
        ensure_technician(technician_spec(user.username), ensure_technicians_group())
    elif role == "customer":
        ensure_portal_contact(user)


def _read_passwords(path: Path) -> dict[str, str]:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        return {}
    passwords: dict[str, str] = {}
    for entry in document["accounts"]:
        if isinstance(entry, dict):
            username, password = entry.get("username"), entry.get("password")
            if isinstance(username, str) and isinstance(password, str) and password:
                passwords[username] = password
    return passwords


def _write_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    roles = {username: role for role, username in ACCOUNTS}
    document = {
        "note": "Demo accounts of supportdesk. Delete this file to get new passwords.",
        "accounts": [
            {"role": roles.get(username, ""), "username": username, "password": password}
            for username, password in passwords.items()
        ],
    }
    temporary = path.with_name(f".{path.name}.tmp")
    # Created 0600 from the start: the passwords are never readable by others, not even
    # for a moment.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
