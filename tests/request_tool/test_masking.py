"""Secrets pasted into a request are masked before it leaves the machine; the key stays
visible, and ordinary prose about passwords and tokens is left as it was."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from supportdesk_request.masking import MASK, mask_secrets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2 then more", "password=******** then more"),
        ("login failed, pwd: s3cr3t!", "login failed, pwd: ********"),
        ("passwd = 'tiger'", "passwd = '********'"),
        ('{"user": "bob", "Password": "hu\\"nter2"}', '{"user": "bob", "Password": "********"}'),
        ("DB_PASSWORD=xyz123", "DB_PASSWORD=********"),
        ("spring.datasource.password = topsecret", "spring.datasource.password = ********"),
        ("client_secret: abcdef", "client_secret: ********"),
        ("api_key=k-123456", "api_key=********"),
        ("apikey: 0123456789abcdef", "apikey: ********"),
        ("X-Api-Key: 1234abcd", "X-Api-Key: ********"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key=********"),
        ("auth_token => 'abc'", "auth_token => '********'"),
        ("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: Bearer ********"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ********"),
        (
            "curl -H 'Authorization: Token sdk_AbCdEfGhIjKlMnOpQrStUv_-12'",
            "curl -H 'Authorization: Token ********'",
        ),
        ("using sdk_AbCdEfGhIjKlMnOpQrStUv_-12 now", "using sdk_******** now"),
        ("key AKIAIOSFODNN7EXAMPLE in env", "key AKIA******** in env"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "ghp_******** leaked"),
        (
            "postgres://bob:pa55word@db.example.com:5432/app",
            "postgres://bob:********@db.example.com:5432/app",
        ),
        (
            "Server=db;Database=x;User Id=sa;Password=P@ss w0rd;",
            "Server=db;Database=x;User Id=sa;Password=********;",
        ),
        ("Driver={SQL Server};Uid=sa;Pwd=abc123;", "Driver={SQL Server};Uid=sa;Pwd=********;"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq83vEj\n"
            "-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\n********\n-----END RSA PRIVATE KEY-----",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\n********\n-----END PRIVATE KEY-----",
        ),
    ],
)
def test_a_secret_is_masked_and_its_key_kept(text: str, expected: str) -> None:
    assert mask_secrets(text) == (expected, 1)


@pytest.mark.parametrize(
    "text",
    [
        "The password reset page shows an error.",
        "the token was invalid",
        "Password: incorrect",
        "Unexpected token: }",
        "SyntaxError: Unexpected token '<' in JSON at position 0",
        "Passwords and tokens are stored hashed.",
        "my password is not accepted after the upgrade",
        "http://example.com:8080/path?page=2",
        "See https://docs.example.com/api-keys for how to create a key.",
        "password=",
        "TokenExpiredError: jwt expired",
        "for (int token = 0; token < n; token++) {}",
        "Password:\nConnection refused by the server",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_secrets(text) == (text, 0)


def test_every_secret_of_a_log_is_counted() -> None:
    log = (
        "2026-11-26 10:00 connecting to postgres://app:pw1@db/x\n"
        "2026-11-26 10:00 password=pw2 user=app\n"
        "2026-11-26 10:01 Authorization: Bearer abc\n"
        "2026-11-26 10:02 the token was invalid\n"
    )
    masked, count = mask_secrets(log)
    assert count == 3
    for secret in ("pw1", "pw2", "abc"):
        assert secret not in masked
    assert "the token was invalid" in masked


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_masking_twice_masks_nothing_more(text: str) -> None:
    # The wizard masks again after each edit: masked text must stay as it is, and the
    # count must not grow with every pass.
    once, _ = mask_secrets(text)
    assert mask_secrets(once) == (once, 0)


@given(
    st.sampled_from(["password", "pwd", "token", "api_key", "secret"]),
    st.text(
        alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=6, max_size=30
    ),
)
def test_any_assigned_value_is_masked(key: str, value: str) -> None:
    masked, count = mask_secrets(f"{key}={value}x9")
    assert (masked, count) == (f"{key}={MASK}", 1)


@pytest.mark.parametrize(
    "code",
    [
        "if token == expected:",
        "password = read_password()",
        "pwd = self.password",
        "for (int token = 0; token < n; token++) {}",
    ],
)
def test_code_handling_secrets_is_not_mangled(code: str) -> None:
    assert mask_secrets(code) == (code, 0)
