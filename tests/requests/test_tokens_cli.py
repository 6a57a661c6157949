"""`supportdesk token create|list|revoke`: the token is shown once and stored hashed."""

from __future__ import annotations

import hashlib
import json

import pytest

from supportdesk.cli import main
from supportdesk.core.errors import DomainError
from supportdesk.requests.models import ApiToken
from supportdesk.requests.tokens import authenticate_token


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_prints_the_token_once_and_stores_only_its_hash(capsys, customer):  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        capsys, "token", "create", "--contact", "DEV@customer.example", "--name", "laptop"
    )

    assert code == 0, err
    secret = out.splitlines()[-1]
    assert secret.startswith("sdk_") and len(secret) >= 40
    assert "not be shown again" in err
    record = ApiToken.objects.get()
    assert record.contact == customer
    assert record.name == "laptop"
    assert record.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert authenticate_token(secret) == record

    code, out, _ = run_cli(capsys, "token", "list")
    assert code == 0
    assert secret not in out
    assert "laptop" in out and "active" in out


def test_list_json_and_revoke(capsys, customer, customer_of_another_organization):  # type: ignore[no-untyped-def]
    _, out, _ = run_cli(capsys, "token", "create", "--contact", "dev@customer.example", "--json")
    created = json.loads(out)
    run_cli(capsys, "token", "create", "--contact", "other@elsewhere.example")

    code, out, _ = run_cli(capsys, "token", "list", "--contact", "dev@customer.example", "--json")
    listed = json.loads(out)
    assert code == 0
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]

    code, out, err = run_cli(capsys, "token", "revoke", str(created["id"]))
    assert code == 0, err
    assert "revoked" in out
    with pytest.raises(DomainError, match="revoked"):
        authenticate_token(created["token"])
    _, out, _ = run_cli(capsys, "token", "list", "--json")
    assert [t["revoked_at"] is not None for t in json.loads(out)] == [True, False]


def test_unknown_contact_or_token_is_a_clear_error(capsys, db):  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, "token", "create", "--contact", "nobody@example.org")
    assert code == 1
    assert "no contact with the email 'nobody@example.org'" in err

    code, _, err = run_cli(capsys, "token", "revoke", "999")
    assert code == 1
    assert "No API token 999" in err
