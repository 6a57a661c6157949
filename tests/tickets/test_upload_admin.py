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
