"""The REST API end to end, through Django's test client: a Standard Request becomes a
routed ticket with every field filled; follow-ups, refusals and tokens."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportdesk.accounts.models import Contact
from supportdesk.requests.tokens import issue_api_token, revoke_api_token
from supportdesk.sla.promise import format_promise
from supportdesk.tickets.choices import Category, Channel, MessageKind, Priority, Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import change_status
from tests.factories import make_ticket
from tests.requests.documents import full_request, manifest_entry

NINE_MB = 9 * 1000 * 1000


@pytest.fixture
def token(customer: Contact) -> str:
    return issue_api_token(contact=customer, name="laptop", created_by="test").secret


def api(token: str | None = None, language: str | None = None) -> Client:
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if language is not None:
        headers["Accept-Language"] = language
    return Client(headers=headers)


def post_multipart(client: Client, document: dict[str, Any], *files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"request": json.dumps(document)}
    data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post("/api/v1/requests", data)


def test_a_full_request_becomes_a_routed_ticket_with_every_field(
    catalog, team, token, customer, run_tasks
):  # type: ignore[no-untyped-def]
    log = b"12:00:01 ERROR 70012 footer block not found\n" * 10
    screenshot = b"\x89PNG\r\n" + bytes(range(256)) * 4
    document = full_request(
        attachments=[
            manifest_entry("editor.log", log, "log"),
            manifest_entry("footer.png", screenshot, "screenshot"),
        ]
    )

    response = post_multipart(api(token), document, ("editor.log", log), ("footer.png", screenshot))

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(number=int(body["reference"].split("-")[1]))
    assert body["url"].endswith(f"/api/v1/tickets/{ticket.reference}")
    assert body["follow_up"] is False
    assert body["answer_by"] == ticket.due_at.isoformat()
    assert body["answer_by_text"]
    assert ticket.requester == customer
    assert ticket.subject == document["subject"]
    assert ticket.product == catalog
    assert ticket.product_version.name == "2026"
    assert ticket.category == Category.BUG
    assert ticket.priority == Priority.HIGH
    assert ticket.channel == Channel.REQUEST_TOOL
    assert ticket.language == "fr"
    assert ticket.details == document
    message = ticket.messages.get()
    assert message.kind == MessageKind.INBOUND
    assert "1. Open INVOICE.wde\n2. Add a footer\n3. Save and reopen" in message.body_text
    assert "Error 70012: footer block not found" in message.body_text
    assert "Add-on: PDF export 3.1" in message.body_text
    assert message.origin["transport"] == "api"
    stored = {a.filename: a for a in message.attachments.all()}
    assert stored["editor.log"].sha256 == hashlib.sha256(log).hexdigest()
    assert stored["editor.log"].blob.size == len(log)
    assert stored["footer.png"].sha256 == hashlib.sha256(screenshot).hexdigest()
    assert [a["kept"] for a in body["attachments"]] == [True, True]

    run_tasks()  # routing, as for any other request

    ticket.refresh_from_db()
    assert ticket.team == team


def test_a_json_request_without_files(catalog, token):  # type: ignore[no-untyped-def]
    document = full_request(type="question", urgency="critical")
    del document["client"]

    response = api(token).post("/api/v1/requests", document, content_type="application/json")

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.API
    assert ticket.category == Category.QUESTION
    assert ticket.priority == Priority.URGENT


def test_an_oversize_attachment_is_removed_and_reported(catalog, token):  # type: ignore[no-untyped-def]
    big = b"\0" * (NINE_MB + 1)
    small = b"small log"
    document = full_request(
        attachments=[
            manifest_entry("memory.dmp", big, "dump"),
            manifest_entry("app.log", small, "log"),
        ]
    )

    response = post_multipart(api(token), document, ("memory.dmp", big), ("app.log", small))

    assert response.status_code == 201, response.content
    reported = {a["name"]: a for a in response.json()["attachments"]}
    assert reported["memory.dmp"]["kept"] is False
    assert "9 MB" in reported["memory.dmp"]["removed_reason"]
    assert reported["memory.dmp"]["sha256"] == hashlib.sha256(big).hexdigest()
    assert reported["app.log"]["kept"] is True
    removed = Ticket.objects.get().messages.get().attachments.get(filename="memory.dmp")
    assert removed.blob is None and removed.size == NINE_MB + 1


def test_a_follow_up_lands_on_the_related_ticket(catalog, token, customer):  # type: ignore[no-untyped-def]
    earlier = make_ticket(requester=customer, product=catalog)
    document = full_request(related_ticket=earlier.reference, subject="Still failing in build .5")

    response = post_multipart(api(token), document)

    assert response.status_code == 201, response.content
    assert response.json()["reference"] == earlier.reference
    assert response.json()["follow_up"] is True
    assert Ticket.objects.count() == 1
    follow_up = earlier.messages.order_by("id").last()
    assert follow_up.body_text.startswith("Still failing in build .5")
    assert follow_up.origin["request"]["related_ticket"] == earlier.reference


def test_a_follow_up_on_another_customers_ticket_is_refused(
    catalog, token, customer_of_another_organization
):  # type: ignore[no-untyped-def]
    theirs = make_ticket(requester=customer_of_another_organization)

    response = post_multipart(api(token), full_request(related_ticket=theirs.reference))

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["/related_ticket"]
    assert theirs.messages.count() == 1


def test_problems_are_listed_by_field_in_the_customers_language(catalog, token):  # type: ignore[no-untyped-def]
    document = full_request(
        product={"code": "nosuch", "version": "1"},
        code_extract="x\n" * 31,
        attachments=[manifest_entry("gone.log", b"x", "log")],
    )
    del document["steps"]

    response = post_multipart(api(token, language="es-ES,es;q=0.9,en;q=0.5"), document)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["message"].startswith("La solicitud no fue aceptada: 4")
    problems = {p["field"]: p["message"] for p in body["problems"]}
    assert problems == {
        "/steps": "este campo es obligatorio",
        "/code_extract": problems["/code_extract"],
        "/product/code": "producto desconocido 'nosuch'; productos conocidos: windev",
        "/attachments/0/name": "no se envió ningún archivo llamado 'gone.log' con la solicitud",
    }
    assert problems["/code_extract"].startswith("un extracto de código")
    assert Ticket.objects.count() == 0


def test_problems_default_to_the_contacts_language_and_name_known_versions(
    catalog, token, customer
):  # type: ignore[no-untyped-def]
    customer.language = "fr"
    customer.save()
    document = full_request(product={"code": "windev", "version": "1999"})

    response = api(token).post("/api/v1/requests", document, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["problems"] == [
        {
            "field": "/product/version",
            "code": "unknown_version",
            "message": "version inconnue '1999' de WINDEV ; versions connues : 2026, 2025",
        }
    ]


def test_a_request_that_is_not_json_is_a_400(token):  # type: ignore[no-untyped-def]
    response = api(token).post("/api/v1/requests", {"request": "{oops"})

    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "not_json"


def test_the_customer_reads_the_status_of_their_own_ticket_only(
    catalog, token, customer, customer_of_another_organization
):  # type: ignore[no-untyped-def]
    mine = make_ticket(requester=customer, product=catalog)
    theirs = make_ticket(requester=customer_of_another_organization)

    response = api(token).get(f"/api/v1/tickets/{mine.reference}")
    assert response.status_code == 200
    assert response.json()["reference"] == mine.reference
    assert response.json()["status"] == "new"
    assert response.json()["product"] == "windev"

    hidden = api(token).get(f"/api/v1/tickets/{theirs.reference}")
    missing = api(token).get("/api/v1/tickets/SD-999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"] == f"No ticket {theirs.reference}"


def test_a_missing_unknown_or_revoked_token_is_a_401(catalog, customer, token):  # type: ignore[no-untyped-def]
    document = full_request()
    none = api().post("/api/v1/requests", document, content_type="application/json")
    unknown = api("sdk_not-a-token").post(
        "/api/v1/requests", document, content_type="application/json"
    )
    revoked = issue_api_token(contact=customer, created_by="test")
    revoke_api_token(revoked.record.pk)
    refused = api(revoked.secret).get("/api/v1/tickets/SD-1")

    assert none.status_code == unknown.status_code == refused.status_code == 401
    assert none["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in none.json()["detail"]
    assert "unknown API token" in unknown.json()["detail"]
    assert "revoked" in refused.json()["detail"]
    # The same shape as every other refusal of the API.
    assert refused.json()["error"] == "authentication_failed"
    assert refused.json()["message"] == refused.json()["detail"]
    assert none.json()["error"] == "not_authenticated"
    assert Ticket.objects.count() == 0


def test_the_openapi_schema_lists_the_endpoints(db):  # type: ignore[no-untyped-def]
    as_json = Client().get("/api/v1/openapi.json")
    as_yaml = Client().get("/api/v1/openapi.yaml")

    assert as_json.status_code == as_yaml.status_code == 200
    schema = json.loads(as_json.content)
    assert yaml.safe_load(as_yaml.content)["paths"].keys() == schema["paths"].keys()
    assert {"/api/v1/requests", "/api/v1/tickets/{reference}"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/requests"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_the_request_schema_is_served(db):  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/schema/request-v1.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert json.loads(b"".join(response.streaming_content))["title"] == "supportdesk request v1"


def test_the_document_may_come_as_a_file_part(catalog, token):  # type: ignore[no-untyped-def]
    # What `curl -F 'request=@request.json;type=application/json'` sends.
    part = SimpleUploadedFile(
        "request.json", json.dumps(full_request()).encode(), content_type="application/json"
    )

    response = api(token).post("/api/v1/requests", {"request": part})

    assert response.status_code == 201, response.content
    assert Ticket.objects.get().messages.get().attachments.count() == 0


def test_a_follow_up_on_a_closed_ticket_asks_for_a_new_request(
    catalog, token, customer, technician
):  # type: ignore[no-untyped-def]
    closed = make_ticket(requester=customer, product=catalog)
    change_status(actor=technician, ticket=closed, status=Status.CLOSED)

    response = post_multipart(api(token), full_request(related_ticket=closed.reference))

    assert response.status_code == 422
    assert response.json()["problems"] == [
        {
            "field": "/related_ticket",
            "code": "ticket_closed",
            "message": f"{closed.reference} is closed: send a new request",
        }
    ]


def test_the_identity_in_the_document_must_be_the_tokens(catalog, token):  # type: ignore[no-untyped-def]
    document = full_request()
    document["customer"]["email"] = "someone.else@example.org"

    response = api(token).post("/api/v1/requests", document, content_type="application/json")

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["/customer/email"]
    assert "dev@customer.example" in response.json()["problems"][0]["message"]


def test_another_authorization_scheme_is_a_401(catalog, token):  # type: ignore[no-untyped-def]
    response = Client(headers={"Authorization": f"Token {token}"}).get("/api/v1/tickets/SD-1")

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_a_request_over_the_servers_limit_is_refused_before_it_is_read(catalog, token, settings):  # type: ignore[no-untyped-def]
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "API_REQUEST_MAX_BYTES": 4096}
    big = b"x" * 5000
    document = full_request(attachments=[manifest_entry("big.log", big, "log")])

    response = post_multipart(api(token), document, ("big.log", big))

    assert response.status_code == 413
    assert response.json()["max_bytes"] == 4096
    assert "upload link" in response.json()["message"]
    assert Ticket.objects.count() == 0


def test_the_answer_promise_is_in_the_language_the_client_asks_for(catalog, token):  # type: ignore[no-untyped-def]
    """answer_by_text follows Accept-Language when we speak it (the tool asks in its own
    language); the ticket's language stays the default. On the new request's response,
    the ticket's status and the list alike."""
    response = api(token, language="es-ES,es;q=0.9").post(
        "/api/v1/requests", full_request(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.language == "fr"
    zone = ticket.plan.calendar.time_zone

    def promise(language: str) -> str:
        return format_promise(ticket.due_at, time_zone=zone, language=language)

    assert promise("es") != promise("fr")
    assert response.json()["answer_by_text"] == promise("es")
    status_url = f"/api/v1/tickets/{ticket.reference}"
    for language, expected in [("es", "es"), ("en-GB", "en"), ("de", "fr"), (None, "fr")]:
        client = api(token, language=language)
        assert client.get(status_url).json()["answer_by_text"] == promise(expected), language
        listed = client.get("/api/v1/tickets").json()["tickets"]
        assert [entry["answer_by_text"] for entry in listed] == [promise(expected)], language
