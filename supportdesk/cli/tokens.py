"""`supportdesk token create|list|revoke`: customers' personal API tokens, for operators.

A token is printed once, by `create`, and never again: only its SHA-256 is stored."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from supportdesk.cli.common import EXIT_OK, CommandFailed, require_database, usage

if TYPE_CHECKING:
    from supportdesk.requests.models import ApiToken


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = commands.add_parser("token", help="customers' personal API tokens")
    token.set_defaults(handler=lambda args: usage(token))
    token_commands = token.add_subparsers(title="token commands", metavar="COMMAND")

    create = token_commands.add_parser(
        "create", help="create a token for a contact and print it (once: it is stored hashed)"
    )
    create.add_argument("--contact", required=True, metavar="EMAIL", help="the contact's email")
    create.add_argument("--name", default="", help="what the token is for, e.g. laptop")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=create_token)

    listing = token_commands.add_parser("list", help="tokens (never their value)")
    listing.add_argument("--contact", metavar="EMAIL", help="only this contact's tokens")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_tokens)

    revoke = token_commands.add_parser("revoke", help="revoke a token: it stops working at once")
    revoke.add_argument("id", type=int, help="the token's id, from `token list`")
    revoke.set_defaults(handler=revoke_token)


def _contact(email: str) -> Any:
    from supportdesk.accounts.models import ContactEmail

    address = ContactEmail.objects.select_related("contact").filter(address__iexact=email).first()
    if address is None:
        raise CommandFailed(f"no contact with the email {email!r}")
    return address.contact


def _facts(record: ApiToken) -> dict[str, Any]:
    return {
        "id": record.pk,
        "contact": record.contact.name,
        "contact_id": record.contact_id,
        "name": record.name,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


def create_token(args: argparse.Namespace) -> int:
    from supportdesk.requests.tokens import issue_api_token

    require_database()
    contact = _contact(args.contact)
    issued = issue_api_token(contact=contact, name=args.name, created_by=f"cli:{getpass.getuser()}")
    if args.json:
        print(json.dumps({**_facts(issued.record), "token": issued.secret}))
        return EXIT_OK
    print(f"API token {issued.record.pk} for {contact.name} <{args.contact}>:")
    print(issued.secret)
    print(
        "Give it to the customer now: it is stored hashed and will not be shown again.",
        file=sys.stderr,
    )
    return EXIT_OK


def list_tokens(args: argparse.Namespace) -> int:
    from supportdesk.requests.tokens import list_api_tokens

    require_database()
    contact = _contact(args.contact) if args.contact else None
    records = list(list_api_tokens(contact=contact))
    if args.json:
        print(json.dumps([_facts(record) for record in records]))
        return EXIT_OK
    if not records:
        print("no API tokens", file=sys.stderr)
        return EXIT_OK
    print(f"{'ID':>5}  {'CONTACT':<24} {'NAME':<16} {'CREATED':<16} {'LAST USED':<16} STATE")
    for record in records:
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        used = f"{record.last_used_at:%Y-%m-%d %H:%M}" if record.last_used_at else "never"
        print(
            f"{record.pk:>5}  {record.contact.name[:24]:<24} {record.name[:16]:<16} "
            f"{record.created_at:%Y-%m-%d %H:%M} {used:<16} {state}"
        )
    return EXIT_OK


def revoke_token(args: argparse.Namespace) -> int:
    from supportdesk.requests.tokens import revoke_api_token

    require_database()
    record = revoke_api_token(args.id)
    print(f"API token {record.pk} of {record.contact.name} revoked")
    return EXIT_OK
