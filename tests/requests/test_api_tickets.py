"""The customer's tickets over the API, through Django's test client: the policy, the list,
the conversation, replies, "not satisfied" and upload links; what is refused, and in which
language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact
from supportdesk.requests.api import views
from supportdesk.requests.tokens import issue_api_token
from supportdesk.tickets.choices import Channel, EventKind, MessageKind, Status
from supportdesk.tickets.models import Message, Ticket, UploadLink
from supportdesk.tickets.services import (
    add_note,
    add_participant,
    change_status,
    grant_attachment_agreement,
    merge_tickets,
    reply_to_ticket,
)
from tests.factories import ProductFactory, make_ticket
from tests.requests.test_api import api

ANSWER = "Update to build 28.0.413: the footer is kept."
NOTE = "Internal: the customer's licence looks shared; do not mention it."


@pytest.fixture
def token(customer: Contact) -> str:
    return issue_api_token(contact=customer, name="laptop", created_by="test").secret


@pytest.fixture
def answered(ticket: Ticket, technician) -> Ticket:  # type: ignore[no-untyped-def]
    reply_to_ticket(actor=technician, ticket=ticket, body_text=ANSWER)
    ticket.refresh_from_db()
    return ticket


def post_json(client: Client, path: str, body: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


# The policy


def test_the_policy_states_the_limits_and_the_active_catalog(catalog, token, settings):  # type: ignore[no-untyped-def]
    ProductFactory(code="oldie", name="OLDIE", is_active=False)

    response = api(token).get("/api/v1/policy")

    assert response.status_code == 200
    policy = response.json()
    assert policy["attachment_max_bytes"] == 9_000_000  # the free plan's limit
    assert policy["request_max_bytes"] == settings.SUPPORTDESK["API_REQUEST_MAX_BYTES"]
    assert policy["max_files"] == 20
    assert policy["code_extract_max_lines"] == 30
    assert policy["languages"] == ["en", "es", "fr"]
    assert policy["products"] == [
        {
            "code": "windev",
            "name": "WINDEV",
            "versions": [{"name": "2026", "on_sale": True}, {"name": "2025", "on_sale": False}],
        }
    ]
    assert policy["upload_agreement"] is None


def test_a_customer_wide_agreement_raises_the_limit_and_is_stated(
    catalog, token, customer, technician, ticket
):  # type: ignore[no-untyped-def]
    # An agreement for one ticket is not one for the customer's next request.
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=80_000_000, days=7, send_link=False
    )
    assert api(token).get("/api/v1/policy").json()["upload_agreement"] is None

    agreement = grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=50_000_000, days=30
    )

    policy = api(token).get("/api/v1/policy").json()
    assert policy["attachment_max_bytes"] == 50_000_000
    assert policy["upload_agreement"] == {
        "max_bytes": 50_000_000,
        "expires_at": agreement.expires_at.isoformat(),
    }


def test_the_policy_needs_a_token(catalog):  # type: ignore[no-untyped-def]
    assert api().get("/api/v1/policy").status_code == 401


# The list


def test_the_list_holds_the_callers_tickets_and_their_organizations_when_allowed(
    catalog, customer, customer_colleague, customer_of_another_organization
):  # type: ignore[no-untyped-def]
    mine = make_ticket(requester=customer, product=catalog)
    colleagues = make_ticket(requester=customer_colleague)
    make_ticket(requester=customer_of_another_organization)
    taking_part = make_ticket(requester=customer_of_another_organization)
    add_participant(actor=SYSTEM, ticket=taking_part, contact=customer)

    own_view = api(issue_api_token(contact=customer, created_by="t").secret).get("/api/v1/tickets")
    organization_view = api(issue_api_token(contact=customer_colleague, created_by="t").secret).get(
        "/api/v1/tickets"
    )

    assert own_view.status_code == 200
    assert [t["reference"] for t in own_view.json()["tickets"]] == [
        taking_part.reference,
        mine.reference,
    ]
    assert [t["reference"] for t in organization_view.json()["tickets"]] == [
        colleagues.reference,
        mine.reference,
    ]
    entry = own_view.json()["tickets"][1]
    assert entry["product"] == "windev"
    assert entry["status"] == "new"
    assert entry["answer_by"] is not None and entry["answer_by_text"]
    assert entry["url"].endswith(f"/api/v1/tickets/{mine.reference}")


def test_the_list_is_paged_newest_first_by_following_next(catalog, token, customer):  # type: ignore[no-untyped-def]
    tickets = [make_ticket(requester=customer) for _ in range(5)]
    client = api(token)

    seen: list[str] = []
    url: str | None = "/api/v1/tickets?limit=2"
    pages = 0
    while url is not None:
        body = client.get(url.removeprefix("http://testserver")).json()
        seen += [t["reference"] for t in body["tickets"]]
        url = body["next"]
        pages += 1
        assert url is None or ("before=" in url and "limit=2" in url)

    assert pages == 3
    assert seen == [t.reference for t in reversed(tickets)]


@pytest.mark.parametrize(
    ("query", "language", "text"),
    [
        ("before=abc", "en", "'before' must be a ticket number"),
        ("limit=0", "es", "'limit' debe ser un número entero entre 1 y"),
        ("limit=-3", "fr", "« limit » doit être un nombre entier"),
    ],
)
def test_a_bad_page_parameter_is_a_400_in_the_customers_language(
    catalog, token, query, language, text
):  # type: ignore[no-untyped-def]
    response = api(token, language=language).get(f"/api/v1/tickets?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_parameter"
    assert response.json()["message"].startswith(text)


def test_the_list_takes_the_same_queries_for_two_tickets_or_twelve(
    catalog, token, customer, django_assert_num_queries
):  # type: ignore[no-untyped-def]
    client = api(token)
    for _ in range(2):
        make_ticket(requester=customer, product=catalog)
    client.get("/api/v1/tickets")  # records the token's use: one write, then none for minutes
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/tickets").json()["tickets"]) == 2
    queries = len(few.captured_queries)  # now: a request through the client empties the log

    for _ in range(10):
        make_ticket(requester=customer, product=catalog)
    with django_assert_num_queries(queries):
        assert len(client.get("/api/v1/tickets").json()["tickets"]) == 12


# The conversation


def test_the_ticket_shows_its_public_messages_never_its_notes(
    catalog, token, customer, customer_colleague, technician, ticket
):  # type: ignore[no-untyped-def]
    reply_to_ticket(actor=technician, ticket=ticket, body_text=ANSWER)
    add_note(actor=technician, ticket=ticket, body_text=NOTE)
    reply_to_ticket(actor=customer_colleague, ticket=ticket, body_text="Same here on my PC.")

    response = api(token).get(f"/api/v1/tickets/{ticket.reference}")

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == ticket.reference
    assert NOTE not in response.content.decode()
    messages = body["messages"]
    assert [(m["author"], m["text"]) for m in messages] == [
        ("you", ticket.messages.order_by("id").first().body_text),
        ("support", ANSWER),
        ("Col League", "Same here on my PC."),
    ]
    assert "Alice Martin" not in response.content.decode()
    first = Message.objects.filter(ticket=ticket).order_by("id").first()
    assert messages[0]["id"] == first.pk
    assert messages[0]["at"] == first.created_at.isoformat()
    assert messages[0]["attachments"] == []


def test_the_conversation_is_bounded_to_the_latest_messages(
    catalog, token, customer, ticket, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(views, "MESSAGES_SHOWN", 3)
    for number in range(5):
        reply_to_ticket(actor=customer, ticket=ticket, body_text=f"Reply {number}")

    messages = api(token).get(f"/api/v1/tickets/{ticket.reference}").json()["messages"]

    assert [m["text"] for m in messages] == ["Reply 2", "Reply 3", "Reply 4"]


def test_the_conversation_takes_the_same_queries_however_long(
    catalog, token, customer, technician, ticket, django_assert_num_queries
):  # type: ignore[no-untyped-def]
    client = api(token)
    path = f"/api/v1/tickets/{ticket.reference}"
    client.get(path)
    with CaptureQueriesContext(connection) as short:
        assert len(client.get(path).json()["messages"]) == 1
    # Counted now: each request through the client empties the connection's query log.
    queries = len(short.captured_queries)

    for number in range(6):
        client.post(
            f"{path}/replies",
            {"text": f"Reply {number}", "files": [SimpleUploadedFile(f"{number}.log", b"log")]},
        )
        # Notes are read past, never shown. (An answer would stop the promise's clock and
        # save the query that formats it: the same state keeps the comparison fair.)
        add_note(actor=technician, ticket=ticket, body_text=f"Note {number}")
    with django_assert_num_queries(queries):
        assert len(client.get(path).json()["messages"]) == 7


# Replies


def test_a_json_reply_reopens_the_answered_ticket(catalog, token, answered):  # type: ignore[no-untyped-def]
    assert answered.status == Status.PENDING

    response = post_json(
        api(token), f"/api/v1/tickets/{answered.reference}/replies", {"text": "Still broken."}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get(pk=body["message_id"])
    assert body == {
        "reference": answered.reference,
        "message_id": message.pk,
        "status": "open",
        "attachments": [],
    }
    assert message.kind == MessageKind.INBOUND
    assert message.body_text == "Still broken."
    assert message.channel == Channel.API
    answered.refresh_from_db()
    assert answered.status == Status.OPEN


def test_the_request_tool_names_itself_in_a_header(catalog, token, ticket):  # type: ignore[no-untyped-def]
    response = post_json(
        api(token),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"text": "Here is more."},
        **{"X-Supportdesk-Client": "supportdesk-request/0.1.0"},
    )

    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.channel == Channel.REQUEST_TOOL
    assert message.origin["client"] == "supportdesk-request/0.1.0"


def test_a_multipart_reply_carries_files_and_the_plans_limit_applies(
    catalog, token, ticket, free_plan
):  # type: ignore[no-untyped-def]
    free_plan.attachment_limit_bytes = 1000
    free_plan.save()
    small, big = b"log line\n" * 10, b"\0" * 1001

    response = api(token).post(
        f"/api/v1/tickets/{ticket.reference}/replies",
        {
            "text": "The log and the dump.",
            "files": [SimpleUploadedFile("app.log", small), SimpleUploadedFile("core.dmp", big)],
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachments"] == [
        {"name": "app.log", "size": len(small), "kept": True},
        {"name": "core.dmp", "size": len(big), "kept": False},
    ]
    detail = api(token).get(f"/api/v1/tickets/{ticket.reference}").json()
    assert detail["messages"][-1]["attachments"] == response.json()["attachments"]


def test_a_reply_over_the_servers_limit_is_a_413(catalog, token, ticket, settings):  # type: ignore[no-untyped-def]
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "API_REQUEST_MAX_BYTES": 4096}

    response = api(token).post(
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"text": "Big", "files": [SimpleUploadedFile("big.bin", b"x" * 5000)]},
    )

    assert response.status_code == 413
    assert response.json()["max_bytes"] == 4096
    assert ticket.messages.count() == 1


def test_a_reply_on_a_closed_ticket_is_a_409_in_the_customers_language(
    catalog, token, ticket, technician
):  # type: ignore[no-untyped-def]
    change_status(actor=technician, ticket=ticket, status=Status.CLOSED)
    path = f"/api/v1/tickets/{ticket.reference}/replies"

    english = post_json(api(token), path, {"text": "Hello?"})
    spanish = post_json(api(token, language="es"), path, {"text": "¿Hola?"})

    assert english.status_code == spanish.status_code == 409
    assert english.json() == {
        "error": "conflict",
        "message": f"{ticket.reference} is closed: send a new request",
        "reason": "ticket_closed",
    }
    assert (
        spanish.json()["message"] == f"{ticket.reference} está cerrado: envíe una nueva solicitud"
    )
    assert ticket.messages.count() == 1


def test_a_reply_on_a_merged_ticket_is_a_409(catalog, token, customer, ticket, technician):  # type: ignore[no-untyped-def]
    other = make_ticket(requester=customer)
    merge_tickets(actor=technician, source=ticket, target=other)

    response = post_json(
        api(token, language="fr"), f"/api/v1/tickets/{ticket.reference}/replies", {"text": "Et?"}
    )

    assert response.status_code == 409
    assert response.json()["message"].startswith(f"{ticket.reference} a été fusionné")


def test_a_reply_on_someone_elses_ticket_is_a_404(catalog, token, customer_of_another_organization):  # type: ignore[no-untyped-def]
    theirs = make_ticket(requester=customer_of_another_organization)

    response = post_json(
        api(token), f"/api/v1/tickets/{theirs.reference}/replies", {"text": "Peek"}
    )

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert theirs.messages.count() == 1


def test_a_reply_without_text_names_the_field(catalog, token, ticket):  # type: ignore[no-untyped-def]
    response = post_json(
        api(token, language="fr"), f"/api/v1/tickets/{ticket.reference}/replies", {"text": "  "}
    )

    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "/text"
    assert "« text » est obligatoire" in response.json()["message"]


def test_a_reply_without_a_token_is_a_401(catalog, ticket):  # type: ignore[no-untyped-def]
    response = post_json(api(), f"/api/v1/tickets/{ticket.reference}/replies", {"text": "Hi"})

    assert response.status_code == 401
    assert ticket.messages.count() == 1


# Not satisfied


def test_not_satisfied_hands_the_answered_ticket_to_a_second_technician(
    catalog, token, answered, colleague
):  # type: ignore[no-untyped-def]
    response = post_json(
        api(token),
        f"/api/v1/tickets/{answered.reference}/not-satisfied",
        {"comment": "The footer still vanishes in 28.0.413."},
        **{"X-Supportdesk-Client": "supportdesk-request/0.1.0"},
    )

    assert response.status_code == 201, response.content
    assert response.json() == {"reference": answered.reference, "status": "rereview"}
    answered.refresh_from_db()
    assert answered.status == Status.REREVIEW
    assert answered.assignee == colleague
    comment = answered.messages.order_by("id").last()
    assert comment.body_text == "The footer still vanishes in 28.0.413."
    assert comment.channel == Channel.REQUEST_TOOL
    assert answered.events.filter(kind=EventKind.REREVIEW_REQUESTED).count() == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "has not been answered yet"),
        ("es", "aún no ha sido respondido"),
        ("fr", "n'a pas encore reçu de réponse"),
    ],
)
def test_not_satisfied_before_any_answer_is_a_409_in_the_customers_language(
    catalog, token, ticket, language, text
):  # type: ignore[no-untyped-def]
    response = post_json(
        api(token, language=language),
        f"/api/v1/tickets/{ticket.reference}/not-satisfied",
        {"comment": "No answer"},
    )

    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert response.json()["message"].startswith(f"{ticket.reference} {text}")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_not_satisfied_twice_is_a_409(catalog, token, answered, colleague, customer):  # type: ignore[no-untyped-def]
    customer.language = "es"
    customer.save()
    path = f"/api/v1/tickets/{answered.reference}/not-satisfied"
    assert post_json(api(token), path, {"comment": "No."}).status_code == 201

    again = post_json(api(token), path, {"comment": "Still no."})

    assert again.status_code == 409
    # No Accept-Language: the contact's own language.
    assert again.json()["message"] == (
        f"{answered.reference} ya está siendo revisado de nuevo por otro técnico"
    )
    assert answered.messages.filter(body_text="Still no.").count() == 0


def test_not_satisfied_without_a_comment_is_a_422(catalog, token, answered):  # type: ignore[no-untyped-def]
    response = post_json(api(token), f"/api/v1/tickets/{answered.reference}/not-satisfied", {})

    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "/comment"


def test_not_satisfied_on_someone_elses_ticket_is_a_404(
    catalog, token, customer_of_another_organization, technician
):  # type: ignore[no-untyped-def]
    theirs = make_ticket(requester=customer_of_another_organization)

    response = post_json(
        api(token), f"/api/v1/tickets/{theirs.reference}/not-satisfied", {"comment": "x"}
    )

    assert response.status_code == 404


# Upload links


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "no attachment agreement covers"),
        ("es", "ningún acuerdo de adjuntos cubre"),
        ("fr", "aucun accord de pièces jointes ne couvre"),
    ],
)
def test_no_upload_link_without_an_agreement(catalog, token, ticket, language, text):  # type: ignore[no-untyped-def]
    response = api(token, language=language).post(
        f"/api/v1/tickets/{ticket.reference}/upload-links"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "no_agreement"
    assert response.json()["message"].startswith(f"{text} {ticket.reference}")
    assert UploadLink.objects.count() == 0


def test_an_agreement_grants_a_link_that_takes_a_file(
    catalog, token, customer, ticket, technician, settings
):  # type: ignore[no-untyped-def]
    agreement = grant_attachment_agreement(
        actor=technician, contact=customer, max_bytes=50_000_000, days=7
    )

    response = api(token).post(f"/api/v1/tickets/{ticket.reference}/upload-links")

    assert response.status_code == 201, response.content
    granted = response.json()
    assert "/upload/" in granted["url"]
    assert "/api/v1/uploads/" in granted["api_url"]
    assert granted["max_bytes"] == 50_000_000
    assert granted["max_files"] == settings.SUPPORTDESK["UPLOAD_LINK_MAX_FILES"]
    assert granted["expires_at"] == agreement.expires_at.isoformat()
    link = UploadLink.objects.get()
    assert link.ticket == ticket and link.issued_by is None
    assert link.token_sha256 not in response.content.decode()
    issued = ticket.events.get(kind=EventKind.UPLOAD_LINK_ISSUED)
    assert issued.actor_contact == customer

    # What `curl -F file=@dump.zip <api_url>` does.
    upload = Client().post(
        granted["api_url"].split("testserver", 1)[-1].removeprefix(settings.SITE_URL),
        {"file": SimpleUploadedFile("dump.zip", b"PK\x03\x04" + b"\0" * 100)},
    )
    assert upload.status_code == 201, upload.content
    assert ticket.messages.order_by("id").last().attachments.get().filename == "dump.zip"


def test_no_upload_link_on_a_closed_ticket(catalog, token, customer, ticket, technician):  # type: ignore[no-untyped-def]
    grant_attachment_agreement(actor=technician, contact=customer, max_bytes=50_000_000, days=7)
    change_status(actor=technician, ticket=ticket, status=Status.CLOSED)

    response = api(token).post(f"/api/v1/tickets/{ticket.reference}/upload-links")

    assert response.status_code == 409
    assert UploadLink.objects.count() == 0


def test_no_upload_link_on_someone_elses_ticket(
    catalog, token, customer_of_another_organization, technician
):  # type: ignore[no-untyped-def]
    theirs = make_ticket(requester=customer_of_another_organization)
    grant_attachment_agreement(
        actor=technician, contact=customer_of_another_organization, max_bytes=10**8, days=7
    )

    response = api(token).post(f"/api/v1/tickets/{theirs.reference}/upload-links")

    assert response.status_code == 404
    assert UploadLink.objects.count() == 0


# The schema


def test_the_openapi_schema_documents_every_endpoint_and_validates(db):  # type: ignore[no-untyped-def]
    schema = json.loads(Client().get("/api/v1/openapi.json").content)

    validate_schema(schema)
    paths = schema["paths"]
    assert "get" in paths["/api/v1/policy"]
    assert "get" in paths["/api/v1/tickets"]
    assert "messages" in json.dumps(paths["/api/v1/tickets/{reference}"])
    for action in ("replies", "not-satisfied", "upload-links"):
        operation = paths[f"/api/v1/tickets/{{reference}}/{action}"]["post"]
        assert {"201", "401", "404"} <= set(operation["responses"])
    assert "409" in paths["/api/v1/tickets/{reference}/not-satisfied"]["post"]["responses"]
    assert "403" in paths["/api/v1/tickets/{reference}/upload-links"]["post"]["responses"]
