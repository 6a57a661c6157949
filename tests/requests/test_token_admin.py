"""API tokens in the admin: listed and revoked, never shown, never created there."""

from __future__ import annotations

import pytest

from supportdesk.requests.models import ApiToken
from supportdesk.requests.tokens import IssuedToken, issue_api_token
from tests.requests.test_api import api

CHANGELIST = "/admin/requests/apitoken/"


@pytest.fixture
def issued(customer) -> IssuedToken:  # type: ignore[no-untyped-def]
    return issue_api_token(contact=customer, name="laptop", created_by="test")


@pytest.fixture
def others(customer_of_another_organization) -> IssuedToken:  # type: ignore[no-untyped-def]
    return issue_api_token(contact=customer_of_another_organization, name="ci", created_by="t")


def test_tokens_are_listed_without_the_token_or_its_hash(admin_client, issued, others):  # type: ignore[no-untyped-def]
    listing = admin_client.get(CHANGELIST)
    detail = admin_client.get(f"{CHANGELIST}{issued.record.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    html = listing.content.decode()
    assert "Dev Eloper" in html and "laptop" in html and "Other Person" in html
    assert "supportdesk token create --contact EMAIL" in html
    for response in (listing, detail):
        page = response.content.decode()
        for secret in (issued, others):
            assert secret.secret not in page
            assert secret.record.token_sha256 not in page


def test_tokens_are_found_by_the_contacts_address(admin_client, issued, others):  # type: ignore[no-untyped-def]
    html = admin_client.get(CHANGELIST, {"q": "dev@customer.example"}).content.decode()

    assert "Dev Eloper" in html
    assert "Other Person" not in html


def test_the_admin_revokes_a_token_and_the_api_refuses_it(admin_client, issued, others):  # type: ignore[no-untyped-def]
    assert api(issued.secret).get("/api/v1/tickets").status_code == 200

    response = admin_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [issued.record.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "1 API token(s) revoked." in response.content.decode()
    assert ApiToken.objects.get(pk=issued.record.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=others.record.pk).revoked_at is None
    refused = api(issued.secret).get("/api/v1/tickets")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_tokens_are_not_created_or_deleted_in_the_admin(admin_client, issued):  # type: ignore[no-untyped-def]
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{issued.record.pk}/delete/").status_code == 403
    assert ApiToken.objects.count() == 1
