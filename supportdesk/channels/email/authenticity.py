"""Is the From of a mail its real sender? A verdict from DKIM, SPF and DMARC results.

The results come from the receiving MTA's Authentication-Results headers (RFC 8601), read
only when they carry a trusted authserv-id: anyone can write that header, so the others are
ignored. When configured (MAIL_VERIFY), DKIM and SPF are also checked here, with DNS
lookups, for the methods no trusted header reported. Reading headers is pure; only the
local checks touch the network, and only when enabled.

The verdict:
- pass: DMARC passed, or DKIM or SPF passed for a domain aligned with the From domain
  (the same organizational domain: relaxed alignment, RFC 7489);
- fail: DMARC failed, or SPF failed without any DKIM signature passing;
- none: nothing conclusive (no trusted header, no check, a broken signature alone).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum
from typing import Any

import dkim
import spf
from publicsuffixlist import PublicSuffixList

logger = logging.getLogger(__name__)


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    NONE = "none"  # no conclusive information


# The same words are the results of single methods ("dkim=pass").
PASS, FAIL, NONE = Verdict.PASS.value, Verdict.FAIL.value, Verdict.NONE.value
METHODS = ("dmarc", "dkim", "spf")
LOCAL = "local check"
# Enough for any real header; a longer one is cut, not refused.
MAX_HEADER_LENGTH = 8000
MAX_RESULTS = 50

DnsTxtLookup = Callable[..., bytes | None]


@dataclass(frozen=True)
class MethodResult:
    method: str  # dkim, spf or dmarc
    result: str  # pass, fail, softfail, neutral, none, temperror, permerror, policy
    domain: str  # the signing domain (dkim), the envelope domain (spf), the From domain (dmarc)
    aligned: bool  # the domain has the From domain's organizational domain
    source: str  # the authserv-id of the header, or LOCAL

    def describe(self) -> str:
        domain = f" ({self.domain}{', aligned' if self.aligned else ''})" if self.domain else ""
        return f"{self.method}={self.result}{domain}"


@dataclass(frozen=True)
class Authenticity:
    verdict: str
    reason: str
    from_domain: str
    results: tuple[MethodResult, ...] = field(default=())

    def as_details(self) -> dict[str, Any]:
        """A JSON-ready record, kept with the mail and its ticket message."""
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "from_domain": self.from_domain,
            "results": [
                {
                    "method": item.method,
                    "result": item.result,
                    "domain": item.domain,
                    "aligned": item.aligned,
                    "source": item.source,
                }
                for item in self.results
            ],
        }


def check_authenticity(
    raw: bytes,
    *,
    from_address: str,
    trusted_authserv_ids: Iterable[str],
    verify: Iterable[str] = (),
    envelope_from: str = "",
    client_ip: str = "",
    client_helo: str = "",
    dns_txt: DnsTxtLookup | None = None,
) -> Authenticity:
    """The verdict on a raw message whose From address is `from_address`.

    `verify` names the local checks to run ("dkim", "spf") for the methods the trusted
    headers did not report; `dns_txt` replaces dkimpy's DNS lookup (tests feed it a key).
    Never raises: a check that fails to run counts as a temporary error.
    """
    from_domain = _domain_of(from_address)
    trusted = {item.strip().lower() for item in trusted_authserv_ids if item.strip()}
    results = (
        results_from_headers(_headers(raw), trusted_authserv_ids=trusted, from_domain=from_domain)
        if trusted  # else every header is ignored: no need to read them
        else []
    )
    reported = {item.method for item in results}
    wanted = set(verify)
    if "dkim" in wanted and "dkim" not in reported:
        results.extend(_local_dkim(raw, from_domain, dns_txt))
    if "spf" in wanted and "spf" not in reported:
        results.extend(_local_spf(envelope_from, client_ip, client_helo, from_domain))
    return judge(results[:MAX_RESULTS], from_domain=from_domain)


def judge(results: Sequence[MethodResult], *, from_domain: str) -> Authenticity:
    """The verdict for a set of results (see the module's docstring)."""
    results = tuple(results)

    def found(method: str, result: str, *, aligned: bool = False) -> MethodResult | None:
        for item in results:
            if item.method == method and item.result == result and (item.aligned or not aligned):
                return item
        return None

    if not from_domain:
        return Authenticity(NONE, "no From domain to check", from_domain, results)
    if failed := found("dmarc", FAIL):
        return Authenticity(
            FAIL, f"DMARC failed for {failed.domain or from_domain}", from_domain, results
        )
    # A DMARC pass counts for the From we read, not for another From header's domain.
    if (passed := found("dmarc", PASS)) and (passed.aligned or not passed.domain):
        return Authenticity(PASS, f"DMARC passed for {from_domain}", from_domain, results)
    if signed := found("dkim", PASS, aligned=True):
        return Authenticity(
            PASS, f"DKIM signature of {signed.domain} verified", from_domain, results
        )
    if allowed := found("spf", PASS, aligned=True):
        return Authenticity(PASS, f"SPF passed for {allowed.domain}", from_domain, results)
    spf_failed = found("spf", FAIL)
    if spf_failed and not found("dkim", PASS):
        return Authenticity(
            FAIL,
            f"SPF failed for {spf_failed.domain or 'the envelope sender'} and no DKIM "
            f"signature verified",
            from_domain,
            results,
        )
    if not results:
        return Authenticity(NONE, "no authentication results", from_domain, results)
    summary = ", ".join(item.describe() for item in results[:6])
    return Authenticity(NONE, f"not conclusive: {summary}", from_domain, results)


# -- Authentication-Results (RFC 8601) -------------------------------------------------------


def results_from_headers(
    headers: Message, *, trusted_authserv_ids: set[str], from_domain: str
) -> list[MethodResult]:
    results: list[MethodResult] = []
    for value in headers.get_all("Authentication-Results") or []:
        authserv_id, entries = parse_authentication_results(str(value))
        if authserv_id not in trusted_authserv_ids:
            continue
        for method, result, properties in entries:
            if method not in METHODS:
                continue
            domain = _method_domain(method, properties)
            results.append(
                MethodResult(
                    method=method,
                    result=result,
                    domain=domain,
                    aligned=aligned(domain, from_domain),
                    source=authserv_id,
                )
            )
    return results[:MAX_RESULTS]


def parse_authentication_results(
    value: str,
) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """(authserv-id, [(method, result, {ptype.property: value})]) from one header value.

    Tolerant: real headers break the grammar (Microsoft's "dkim=none (message not signed)
    header.d=none;"); what cannot be read is skipped, never raised.
    """
    text = _without_comments(" ".join(value[:MAX_HEADER_LENGTH].split()))
    statements = [part.strip() for part in _split_outside_quotes(text, ";")]
    if not statements:
        return "", []
    head = statements[0].split()
    authserv_id = head[0].lower() if head else ""
    entries: list[tuple[str, str, dict[str, str]]] = []
    for statement in statements[1:]:
        tokens = _tokens(statement)
        if not tokens or "=" not in tokens[0]:
            continue  # "none": no method was applied
        method, _, result = tokens[0].partition("=")
        method = method.split("/")[0].strip().lower()  # "dkim/1" carries a version
        if not method or not result:
            continue
        properties: dict[str, str] = {}
        for token in tokens[1:]:
            key, equals, item = token.partition("=")
            if equals and "." in key:
                properties.setdefault(key.lower(), item.strip('"'))
        entries.append((method, result.strip().lower(), properties))
    return authserv_id, entries


def _without_comments(text: str) -> str:
    out: list[str] = []
    depth = 0
    quoted = False
    for ch in text:
        if ch == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            continue
        elif not quoted and ch == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _tokens(statement: str) -> list[str]:
    # "spf = pass" is legal (CFWS around "="): glue the pieces before splitting.
    statement = re.sub(r"\s*=\s*", "=", statement)
    return [token for token in _split_outside_quotes(statement, " ") if token]


def _method_domain(method: str, properties: dict[str, str]) -> str:
    if method == "dkim":
        value = properties.get("header.d") or _domain_of(properties.get("header.i", ""))
    elif method == "spf":
        value = _domain_of(properties.get("smtp.mailfrom", "")) or properties.get("smtp.helo", "")
    else:
        value = properties.get("header.from", "")
    return _clean_domain(value)


# -- alignment -------------------------------------------------------------------------------


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: no download


def organizational_domain(domain: str) -> str:
    """The registrable domain ("mail.acme.co.uk" -> "acme.co.uk"); "" for a public suffix."""
    domain = _clean_domain(domain)
    if not domain:
        return ""
    return _public_suffixes().privatesuffix(domain) or ""


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1): both have the same organizational domain."""
    ours = organizational_domain(domain)
    return bool(ours) and ours == organizational_domain(from_domain)


def _domain_of(address: str) -> str:
    return _clean_domain(address.rpartition("@")[2]) if "@" in address else ""


def _clean_domain(value: str) -> str:
    value = value.strip().strip("<>.").lower()
    return value if re.fullmatch(r"[a-z0-9._-]{1,253}", value) and "." in value else ""


# The blank line that ends the header block.
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")


def _headers(raw: bytes) -> Message:
    # The header block alone: the parser would otherwise copy the whole body, which is
    # never read here, as the payload (it stops the headers at this blank line or before).
    end = _HEADER_END.search(raw)
    if end is not None:
        raw = raw[: end.end()]
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True)
    except Exception:  # a header block we cannot read carries no results
        return Message()


# -- local checks (DNS) ----------------------------------------------------------------------


def _local_dkim(raw: bytes, from_domain: str, dns_txt: DnsTxtLookup | None) -> list[MethodResult]:
    try:
        signatures = len(_headers(raw).get_all("DKIM-Signature") or [])
        if not signatures:
            return [MethodResult("dkim", NONE, "", False, LOCAL)]
        results: list[MethodResult] = []
        for index in range(min(signatures, 5)):
            checker = dkim.DKIM(raw, logger=logger)
            options: dict[str, Any] = {"idx": index}
            if dns_txt is not None:
                options["dnsfunc"] = dns_txt
            try:
                verified = checker.verify(**options)
            except dkim.DKIMException as exc:
                logger.info("DKIM signature %s unreadable: %s", index, exc)
                verified = False
            domain = _clean_domain((checker.domain or b"").decode("ascii", "replace"))
            results.append(
                MethodResult(
                    "dkim", PASS if verified else FAIL, domain, aligned(domain, from_domain), LOCAL
                )
            )
        return results
    except Exception as exc:  # DNS down, a bug in a library: unknown, never a failure
        logger.warning("local DKIM check failed to run: %s", exc)
        return [MethodResult("dkim", "temperror", "", False, LOCAL)]


def _local_spf(
    envelope_from: str, client_ip: str, client_helo: str, from_domain: str
) -> list[MethodResult]:
    if not client_ip:
        return []  # the door did not record the client's address: nothing to check
    sender = envelope_from.strip("<> ")
    domain = _domain_of(sender) or _clean_domain(client_helo)
    try:
        result, _explanation = spf.check2(i=client_ip, s=sender, h=client_helo or domain)
    except Exception as exc:
        logger.warning("local SPF check failed to run: %s", exc)
        result = "temperror"
    return [MethodResult("spf", str(result).lower(), domain, aligned(domain, from_domain), LOCAL)]
