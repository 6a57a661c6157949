"""Sender authenticity: reading Authentication-Results, the local DKIM check, the verdict."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable

import dkim
import pytest
import spf
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.channels.email.authenticity import (
    MethodResult,
    Verdict,
    aligned,
    check_authenticity,
    judge,
    parse_authentication_results,
)
from tests.channels.email.conftest import read_fixture

TRUSTED = ["mx.example.com"]


def verdict_of(raw: bytes, **options: object) -> tuple[str, str]:
    result = check_authenticity(
        raw,
        from_address="dev@customer.example",
        trusted_authserv_ids=options.pop("trusted", TRUSTED),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    return result.verdict, result.reason


# -- reading the header --------------------------------------------------------------------


def test_a_header_is_read_with_its_comments_and_properties() -> None:
    authserv_id, entries = parse_authentication_results(
        "MX.Example.com 1; spf=pass (sender SPF authorized) smtp.mailfrom=dev@customer.example;"
        ' dkim=fail reason="signature; verification failed" header.d=customer.example'
    )
    assert authserv_id == "mx.example.com"
    assert entries == [
        ("spf", "pass", {"smtp.mailfrom": "dev@customer.example"}),
        ("dkim", "fail", {"header.d": "customer.example"}),
    ]


def test_microsoft_style_results_without_spaces_are_read() -> None:
    _id, entries = parse_authentication_results(
        "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=customer.example;dkim=none "
        "(message not signed) header.d=none;dmarc=none action=none header.from=customer.example;"
        "compauth=pass reason=100"
    )
    assert [(method, result) for method, result, _ in entries][:3] == [
        ("dkim", "none"),
        ("dmarc", "none"),
        ("compauth", "pass"),
    ]  # the first statement is read as the authserv-id: Microsoft writes none


@pytest.mark.parametrize(
    "value", ["", ";;;", "(((", 'mx; dkim="unterminated', "mx; =pass", "mx; none", "\x00\r\n"]
)
def test_broken_headers_give_nothing_and_never_raise(value: str) -> None:
    _id, entries = parse_authentication_results(value)
    assert all(method for method, _result, _props in entries)


def test_alignment_is_by_organizational_domain() -> None:
    assert aligned("mail.customer.example", "customer.example")
    assert aligned("bounces.acme.co.uk", "acme.co.uk")
    assert not aligned("co.uk", "acme.co.uk")  # a public suffix is nobody's domain
    assert not aligned("customer.example.evil.example", "customer.example")
    assert not aligned("", "customer.example")


# -- the verdict from the receiving MTA's headers -------------------------------------------


def test_the_receiving_mta_passing_dmarc_is_a_pass() -> None:
    assert verdict_of(read_fixture("auth_results_office365")) == (
        "pass",
        "DMARC passed for customer.example",
    )


def test_results_from_an_untrusted_authserv_id_are_ignored() -> None:
    verdict, reason = verdict_of(read_fixture("auth_results_forged"))
    assert (verdict, reason) == ("none", "no authentication results")


def test_no_trusted_authserv_id_configured_means_no_verdict() -> None:
    assert verdict_of(read_fixture("reply_dmarc_fail"), trusted=[])[0] == "none"


def test_dmarc_fail_is_a_fail() -> None:
    assert verdict_of(read_fixture("reply_dmarc_fail")) == (
        "fail",
        "DMARC failed for customer.example",
    )


def test_dkim_and_spf_failing_is_a_fail() -> None:
    verdict, reason = verdict_of(read_fixture("reply_dkim_and_spf_fail"))
    assert verdict == "fail"
    assert reason == "SPF failed for customer.example and no DKIM signature verified"


def test_an_aligned_dkim_signature_from_a_subdomain_passes() -> None:
    raw = read_fixture("reply_from_colleague_domain").replace(b"dmarc=pass", b"dmarc=none")
    result = check_authenticity(
        raw, from_address="ana.admin@customer.example", trusted_authserv_ids=TRUSTED
    )
    assert (result.verdict, result.reason) == (
        "pass",
        "DKIM signature of mail.customer.example verified",
    )


def result(method: str, outcome: str, domain: str = "", is_aligned: bool = False) -> MethodResult:
    return MethodResult(method, outcome, domain, is_aligned, "mx.example.com")


@pytest.mark.parametrize(
    ("results", "verdict"),
    [
        ([result("dkim", "pass", "esp.example")], "none"),  # signed, but by someone else
        ([result("spf", "pass", "esp.example")], "none"),
        ([result("dkim", "fail", "customer.example", True)], "none"),  # a list broke it
        ([result("spf", "softfail", "customer.example", True)], "none"),
        ([result("spf", "fail"), result("dkim", "pass", "esp.example")], "none"),  # forwarded
        ([result("spf", "fail", "customer.example", True)], "fail"),
        ([result("spf", "pass", "customer.example", True)], "pass"),
        ([result("dmarc", "fail"), result("dkim", "pass", "customer.example", True)], "fail"),
        ([result("dmarc", "pass", "customer.example", True)], "pass"),
        ([result("dmarc", "pass", "other.example")], "none"),  # about another From header
        ([], "none"),
    ],
)
def test_the_verdict_follows_the_rules(results: list[MethodResult], verdict: str) -> None:
    assert judge(results, from_domain="customer.example").verdict == verdict


def test_the_details_record_every_result() -> None:
    details = check_authenticity(
        read_fixture("reply_dmarc_fail"),
        from_address="dev@customer.example",
        trusted_authserv_ids=TRUSTED,
    ).as_details()
    assert details["verdict"] == "fail"
    assert [(item["method"], item["result"], item["domain"]) for item in details["results"]] == [
        ("spf", "fail", "pwned.example"),
        ("dkim", "none", ""),
        ("dmarc", "fail", "customer.example"),
    ]


# -- the local DKIM check -------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key() -> tuple[bytes, bytes]:
    """A fresh RSA key (private PEM, public DER in base64), made by openssl for this run."""
    private = subprocess.run(["openssl", "genrsa", "2048"], check=True, capture_output=True).stdout
    public = subprocess.run(
        ["openssl", "rsa", "-pubout", "-outform", "DER"],
        input=private,
        check=True,
        capture_output=True,
    ).stdout
    return private, base64.b64encode(public)


def signed_by(domain: str, private: bytes) -> bytes:
    raw = read_fixture("plain_text").replace(b"Dev@Customer.Example", b"dev@customer.example")
    signature = dkim.sign(
        raw, b"s2026", domain.encode(), private, include_headers=[b"from", b"subject", b"date"]
    )
    return signature + raw


def key_in_dns(public: bytes, lookups: list[bytes]) -> Callable[..., bytes | None]:
    def dns_txt(name: bytes, timeout: int = 5) -> bytes | None:
        lookups.append(name)
        if name == b"s2026._domainkey.customer.example.":
            return b"v=DKIM1; k=rsa; p=" + public
        return None

    return dns_txt


def test_a_valid_signature_passes_the_local_check(signing_key: tuple[bytes, bytes]) -> None:
    private, public = signing_key
    lookups: list[bytes] = []
    verdict, reason = verdict_of(
        signed_by("customer.example", private),
        verify=["dkim"],
        dns_txt=key_in_dns(public, lookups),
    )
    assert (verdict, reason) == ("pass", "DKIM signature of customer.example verified")
    assert lookups == [b"s2026._domainkey.customer.example."]


def test_a_changed_body_fails_the_local_check(signing_key: tuple[bytes, bytes]) -> None:
    private, public = signing_key
    raw = signed_by("customer.example", private).replace(b"When I press Save", b"When I click")
    result = check_authenticity(
        raw,
        from_address="dev@customer.example",
        trusted_authserv_ids=[],
        verify=["dkim"],
        dns_txt=key_in_dns(public, []),
    )
    assert result.verdict == "none"  # a broken signature alone proves nothing either way
    assert [(item.method, item.result, item.source) for item in result.results] == [
        ("dkim", "fail", "local check")
    ]


def test_an_unsigned_mail_gets_dkim_none_from_the_local_check() -> None:
    lookups: list[bytes] = []
    result = check_authenticity(
        read_fixture("plain_text"),
        from_address="dev@customer.example",
        trusted_authserv_ids=[],
        verify=["dkim"],
        dns_txt=key_in_dns(b"", lookups),
    )
    assert [(item.method, item.result) for item in result.results] == [("dkim", "none")]
    assert lookups == []


def test_without_verify_no_lookup_is_made(signing_key: tuple[bytes, bytes]) -> None:
    private, public = signing_key
    lookups: list[bytes] = []
    verdict, _reason = verdict_of(
        signed_by("customer.example", private), trusted=[], dns_txt=key_in_dns(public, lookups)
    )
    assert verdict == "none"
    assert lookups == []


def test_a_trusted_header_is_preferred_to_a_local_check(signing_key: tuple[bytes, bytes]) -> None:
    private, public = signing_key
    lookups: list[bytes] = []
    raw = b"Authentication-Results: mx.example.com; dkim=fail header.d=customer.example\r\n"
    verdict, _reason = verdict_of(
        raw + signed_by("customer.example", private),
        verify=["dkim"],
        dns_txt=key_in_dns(public, lookups),
    )
    assert verdict == "none"
    assert lookups == []


# -- the local SPF check (DNS answered by a stand-in: the edge of the world) ----------------


@pytest.fixture
def spf_records(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    records: dict[str, str] = {}

    def lookup(name: str, qtype: str, *args: object, **kwargs: object) -> list[object]:
        if qtype == "TXT" and name in records:
            return [((name, "TXT"), [records[name].encode()])]
        return []

    monkeypatch.setattr(spf, "DNSLookup", lookup)
    return records


@pytest.mark.parametrize(
    ("client_ip", "verdict"), [("192.0.2.25", "pass"), ("203.0.113.66", "fail")]
)
def test_the_local_spf_check_uses_the_client_address(
    spf_records: dict[str, str], client_ip: str, verdict: str
) -> None:
    spf_records["customer.example"] = "v=spf1 ip4:192.0.2.0/24 -all"
    result = check_authenticity(
        read_fixture("plain_text"),
        from_address="dev@customer.example",
        trusted_authserv_ids=[],
        verify=["spf"],
        envelope_from="dev@customer.example",
        client_ip=client_ip,
        client_helo="mail.customer.example",
    )
    assert result.verdict == verdict


def test_no_client_address_means_no_local_spf_check(spf_records: dict[str, str]) -> None:
    spf_records["customer.example"] = "v=spf1 -all"
    result = check_authenticity(
        read_fixture("plain_text"),
        from_address="dev@customer.example",
        trusted_authserv_ids=[],
        verify=["spf"],
        envelope_from="dev@customer.example",
    )
    assert (result.verdict, result.results) == ("none", ())


def test_verdicts_are_the_models_choices() -> None:
    from supportdesk.channels.email.models import InboundMail

    assert {verdict.value for verdict in Verdict} == set(InboundMail.Authenticity.values)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_header_value_is_read_without_raising(value: str) -> None:
    authserv_id, entries = parse_authentication_results(value)
    assert authserv_id == authserv_id.lower()
    for method, outcome, _properties in entries:
        assert method and outcome


@given(st.binary(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_bytes_get_a_verdict(raw: bytes) -> None:
    result = check_authenticity(
        b"Authentication-Results: mx.example.com; " + raw,
        from_address="dev@customer.example",
        trusted_authserv_ids=TRUSTED,
    )
    assert result.verdict in {"pass", "fail", "none"}
