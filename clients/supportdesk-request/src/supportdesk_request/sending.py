"""Sending a finished request: the attachments against the server's policy (compressing,
or sending the largest by an upload link under an agreement), the local checks, then the
transport (API, .eml file, SMTP). A request that cannot reach its server waits in the
outbox; the outbox is delivered by `deliver_outbox`."""

from __future__ import annotations

import tempfile
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from supportdesk_request import checks, outbox
from supportdesk_request.config import Config
from supportdesk_request.document import (
    AttachedFile,
    DocumentError,
    compress_file,
    describe_file,
    files_of,
    with_manifest,
)
from supportdesk_request.mail import build_email, send_email
from supportdesk_request.server import (
    ApiClient,
    AuthenticationFailed,
    FilePart,
    Invalid,
    Refused,
    ToolError,
    Unreachable,
)
from supportdesk_request.texts import text
from supportdesk_request.values import Policy, Sent

TRANSPORTS = ("api", "eml", "smtp")
Note = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def megabytes(size: int) -> str:
    # Decimal, as the server states its limits ("9 MB" is 9,000,000 bytes).
    return f"{size / 1_000_000:.1f} MB"


@dataclass
class PreparedFiles:
    sent: list[AttachedFile] = field(default_factory=list)
    # Over the limit but covered by an upload agreement: sent after the ticket exists.
    deferred: list[AttachedFile] = field(default_factory=list)


def request_budget(policy: Policy) -> int:
    """What the files of one request may weigh: the server's bound on a whole request, less
    room for the document and the multipart framing."""
    return policy.request_max_bytes - min(256 * 1024, policy.request_max_bytes // 4)


def prepare_files(
    draft: Mapping[str, Any],
    policy: Policy,
    *,
    compress: bool,
    workdir: Path,
    transport: str,
    note: Note = _quiet,
    language: str = "en",
) -> PreparedFiles:
    """Each file sent with the request, compressed if asked and needed; a file the request
    cannot carry goes by an upload link when an agreement covers it, else is refused."""
    prepared = PreparedFiles()
    limit = policy.attachment_max_bytes
    budget = request_budget(policy)
    agreement = policy.upload_agreement
    agreed_max = int((agreement or {}).get("max_bytes") or 0)

    def by_upload_link(attached: AttachedFile) -> bool:
        return (
            transport == "api"
            and agreement is not None
            and (not agreed_max or attached.size <= agreed_max)
        )

    for index, entry in enumerate(files_of(draft)):
        try:
            attached = describe_file(Path(str(entry["path"])).expanduser(), str(entry["role"]))
        except DocumentError as error:
            raise Invalid(str(error)) from None
        wants_compression = bool(compress or entry.get("compress"))
        if attached.size > min(limit, budget) and wants_compression:
            zipped = compress_file(attached.path, workdir / str(index))
            smaller = describe_file(zipped, attached.role)
            note(
                f"{attached.name}: {megabytes(attached.size)} compressed to "
                f"{smaller.name}, {megabytes(smaller.size)}"
            )
            attached = smaller
        if attached.size <= min(limit, budget):
            prepared.sent.append(attached)
        elif by_upload_link(attached):
            prepared.deferred.append(attached)
        else:
            raise Invalid(
                text(
                    "too_large",
                    language,
                    name=attached.name,
                    size_mb=megabytes(attached.size),
                    size=attached.size,
                    limit_mb=megabytes(min(limit, budget)),
                    limit=min(limit, budget),
                    compress="" if wants_compression else text("try_compress", language),
                ),
                problems=[
                    {
                        "field": "/attachments",
                        "code": "file_too_large",
                        "message": f"{attached.name}: {attached.size} bytes, over {limit}",
                    }
                ],
            )
    # Together they may still be too heavy for one request: the largest go by the link.
    while sum(a.size for a in prepared.sent) > budget:
        largest = max(prepared.sent, key=lambda attached: attached.size)
        if not by_upload_link(largest):
            raise Invalid(
                f"the files add up to {megabytes(sum(a.size for a in prepared.sent))}, over the "
                f"{megabytes(budget)} one request can carry: send the largest on their own "
                "(supportdesk-request reply REF --attach FILE) once the ticket exists"
            )
        prepared.sent.remove(largest)
        prepared.deferred.append(largest)
    for attached in prepared.deferred:
        note(
            f"{attached.name} ({megabytes(attached.size)}) is too large to go with the request: "
            "it goes by the upload link your attachment agreement grants"
        )
    if len(prepared.sent) > policy.max_files:
        raise Invalid(
            f"{len(prepared.sent)} files attached; the server takes at most {policy.max_files}: "
            "zip them together"
        )
    return prepared


def local_problems(document: Mapping[str, Any]) -> None:
    problems = checks.document_problems(dict(document))
    if problems:
        listed = [
            {"field": problem.pointer, "code": "local", "message": problem.message}
            for problem in problems
        ]
        text = "\n".join(f"  {p['field'] or '(the request)'}: {p['message']}" for p in listed)
        raise Invalid(f"the request is not complete:\n{text}", problems=listed)


def file_parts(files: list[AttachedFile]) -> list[FilePart]:
    return [FilePart("files", attached.name, attached.path) for attached in files]


def fetch_policy(config: Config) -> Policy:
    if not (config.server and config.token):
        return Policy()
    return ApiClient(config).policy()


def send_document(
    draft: Mapping[str, Any],
    config: Config,
    *,
    transport: str = "api",
    out: Path | None = None,
    to: str | None = None,
    compress: bool = False,
    policy: Policy | None = None,
    queue_when_unreachable: bool = True,
    note: Note = _quiet,
    language: str = "en",
) -> Sent:
    """Send `draft` (a complete document, possibly with "_files"); returns what became of it.
    Raises Invalid (exit 2), Refused (3), AuthenticationFailed (4); an unreachable server
    queues the request (Sent.queued) unless told not to."""
    if transport not in TRANSPORTS:
        raise Invalid(f"--transport is one of {', '.join(TRANSPORTS)}, not {transport!r}")
    if transport == "eml" and out is None:
        raise Invalid("--transport eml writes a file: give it with --out FILE.eml")
    policy = policy or fetch_policy(config)
    with tempfile.TemporaryDirectory(prefix="supportdesk-request-") as workdir:
        prepared = prepare_files(
            draft,
            policy,
            compress=compress,
            workdir=Path(workdir),
            transport=transport,
            note=note,
            language=language,
        )
        try:
            document = with_manifest(draft, prepared.sent)
        except DocumentError as error:
            raise Invalid(str(error)) from None
        local_problems(document)
        address = to or config.support_address
        if transport == "eml":
            assert out is not None
            message = build_email(document, prepared.sent, to=address)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(message.as_bytes())
            return Sent(transport="eml", out=str(out), to=address)
        try:
            if transport == "smtp":
                send_email(build_email(document, prepared.sent, to=address), config)
                return Sent(transport="smtp", to=address)
            return submit_over_api(
                ApiClient(config, language=document.get("language")),
                document,
                prepared.sent,
                prepared.deferred,
                note=note,
            )
        except Unreachable as unreachable:
            if not queue_when_unreachable:
                raise
            entry = outbox.save(
                transport=transport,
                document=document,
                files=prepared.sent,
                deferred=prepared.deferred,
                to=address if transport == "smtp" else None,
                reason=unreachable.message,
                maybe_delivered=unreachable.maybe_delivered,
            )
            return Sent(
                transport=transport, queued=True, queue_id=entry.id, reason=unreachable.message
            )


def submit_over_api(
    client: ApiClient,
    document: Mapping[str, Any],
    files: list[AttachedFile],
    deferred: list[AttachedFile],
    *,
    note: Note = _quiet,
    accepted: Callable[[dict[str, Any]], None] | None = None,
) -> Sent:
    answer = client.submit(document, file_parts(files))
    if accepted is not None:
        accepted(answer)  # the outbox's marker, before anything else can fail
    sent = Sent(
        transport="api",
        reference=answer.get("reference"),
        url=answer.get("url"),
        status=answer.get("status"),
        answer_by_text=answer.get("answer_by_text"),
        follow_up=bool(answer.get("follow_up")),
        attachments=list(answer.get("attachments") or []),
    )
    if deferred and sent.reference:
        upload_deferred(client, sent, deferred, note=note)
    return sent


def upload_deferred(
    client: ApiClient, sent: Sent, deferred: list[AttachedFile], *, note: Note = _quiet
) -> None:
    """The files too large for the request itself, through the upload link the agreement
    grants on the new ticket. The ticket exists already: a failure here is told, not fatal."""
    assert sent.reference is not None
    try:
        link = client.upload_link(sent.reference)
    except (Refused, Unreachable) as error:
        note(
            f"the ticket {sent.reference} was created, but no upload link was granted for "
            f"{', '.join(a.name for a in deferred)}: {error.message}"
        )
        sent.not_uploaded.extend(attached.name for attached in deferred)
        return
    api_url = str(link.get("api_url") or "")
    if api_url.startswith("/"):
        api_url = urllib.parse.urljoin(client.config.server, api_url)
    for attached in deferred:
        try:
            client.upload(api_url, FilePart("file", attached.name, attached.path))
        except ToolError as error:
            note(f"{attached.name} could not be uploaded to {sent.reference}: {error.message}")
            sent.not_uploaded.append(attached.name)
            continue
        sent.uploaded.append(attached.name)
        note(f"{attached.name} uploaded to {sent.reference}")


def already_received(client: ApiClient, entry: outbox.Entry) -> Sent | None:
    """The ticket an interrupted sending made, if the server shows one: the customer's
    ticket with the same subject, created since the entry was saved (less a minute for the
    clocks' difference). An older server that cannot list tickets: None, send again."""
    try:
        since = datetime.fromisoformat(entry.created_at) - timedelta(minutes=1)
        tickets = client.tickets()
    except (ValueError, ToolError):
        return None
    for ticket in tickets:
        try:
            created = datetime.fromisoformat(str(ticket.get("created_at")))
        except ValueError:
            continue
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if ticket.get("subject") == entry.subject and created >= since:
            return Sent(
                transport="api",
                reference=ticket.get("reference"),
                url=ticket.get("url"),
                status=ticket.get("status"),
                answer_by_text=ticket.get("answer_by_text"),
            )
    return None


@dataclass
class Delivery:
    entry_id: str
    subject: str
    sent: Sent | None = None
    error: ToolError | None = None


def deliver_outbox(config: Config, *, note: Note = _quiet) -> list[Delivery]:
    """Send what waits, oldest first; stop at the first unreachable server (the rest would
    fail the same way). A refused entry is kept, marked, and not retried."""
    outbox.clean_sent()
    deliveries: list[Delivery] = []
    pending = outbox.waiting()
    client: ApiClient | None = None
    if any(entry.transport == "api" for entry in pending):
        # A missing server or token is the configuration's fault, not the requests': it is
        # raised here, before any entry could be marked refused for it.
        client = ApiClient(config)
        if not config.token:
            raise AuthenticationFailed(
                "no API token configured: supportdesk-request config set token sdk_..."
            )
    for entry in pending:
        with outbox.claimed(entry) as mine:
            if not mine:
                continue
            delivery = Delivery(entry.id, entry.subject)
            deliveries.append(delivery)
            try:
                if entry.transport == "smtp":
                    message = build_email(entry.document, entry.files, to=entry.to or "")
                    send_email(message, config)
                    outbox.mark_sent(entry, {"transport": "smtp"})
                    delivery.sent = Sent(transport="smtp", to=entry.to)
                else:

                    def accepted(answer: dict[str, Any], entry: outbox.Entry = entry) -> None:
                        outbox.mark_sent(entry, {"reference": answer.get("reference")})

                    assert client is not None
                    earlier = already_received(client, entry) if entry.maybe_delivered else None
                    if earlier is not None:
                        outbox.mark_sent(entry, {"reference": earlier.reference})
                        outbox.forget(entry)
                        note(
                            f"{entry.id} had reached the server before the connection failed: "
                            f"it is {earlier.reference}, not sent again"
                        )
                        delivery.sent = earlier
                        continue
                    delivery.sent = submit_over_api(
                        ApiClient(config, language=entry.document.get("language")),
                        entry.document,
                        entry.files,
                        entry.deferred,
                        note=note,
                        accepted=accepted,
                    )
                outbox.forget(entry)
            except Unreachable as error:
                delivery.error = error
                break
            except (Refused, Invalid) as error:
                outbox.mark_refused(entry, error.message, error.problems)
                delivery.error = error
            except ToolError as error:  # authentication: the same for every entry
                delivery.error = error
                break
    return deliveries
