"""Technicians see upload links in the administration and may revoke them."""

from __future__ import annotations

import pytest

from supportdesk.tickets.models import UploadLink
from supportdesk.tickets.services import (
    IssuedUploadLink,
    grant_attachment_agreement,
    issue_upload_link,
)

CHANGELIST = "/admin/tickets/uploadlink/"


@pytest.fixture
def issued(technician, ticket) -> IssuedUploadLink:  # type: ignore[no-untyped-def]
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=50_000_000, days=7, send_link=False
    )
    return issue_upload_link(actor=technician, ticket=ticket)


def test_the_links_are_listed_without_their_tokens(admin_client, issued, ticket):
    listing = admin_client.get(CHANGELIST)
    detail = admin_client.get(f"{CHANGELIST}{issued.link.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert ticket.reference in listing.content.decode()
    for response in (listing, detail):
        html = response.content.decode()
        assert issued.token not in html
        assert issued.link.token_sha256 not in html


def test_an_administrator_revokes_a_link(admin_client, issued):
    response = admin_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [issued.link.pk]}, follow=True
    )

    assert response.status_code == 200
    link = UploadLink.objects.get()
    assert link.revoked_at is not None
    assert link.revoked_by == "admin admin"


@pytest.fixture
def technician_client(client, technician):  # type: ignore[no-untyped-def]
    technician.user.is_staff = technician.user.is_superuser = True
    technician.user.save()
    client.force_login(technician.user)
    return client


def link_messages(ticket) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        m.body_text for m in ticket.messages.filter(kind="outbound") if "/upload/" in m.body_text
    ]


def test_a_technician_sends_a_link_for_an_agreement_from_the_admin(
    technician_client, technician, ticket
):
    agreement = grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=50_000_000, days=7, send_link=False
    )

    technician_client.post(
        "/admin/tickets/attachmentagreement/",
        {"action": "send_link", "_selected_action": [agreement.pk]},
    )

    assert len(link_messages(ticket)) == 1
    assert UploadLink.objects.get().issued_by == technician


def test_an_agreement_added_in_the_admin_for_a_ticket_sends_its_link(
    technician_client, technician, ticket
):
    response = technician_client.post(
        "/admin/tickets/attachmentagreement/add/",
        {
            "ticket": ticket.pk,
            "max_bytes": 100_000_000,
            "expires_at_0": "2099-01-01",
            "expires_at_1": "12:00:00",
            "granted_by": technician.pk,
            "reason": "a database dump",
            "created_at_0": "2026-11-26",
            "created_at_1": "10:00:00",
        },
    )

    assert response.status_code == 302
    (body,) = link_messages(ticket)
    assert "up to 100 MB each" in body
