"""The argument tree of `supportdesk`. Each command module adds its own subcommands, so a
command's options live next to its handler; the order here is the order of `--help`."""

from __future__ import annotations

import argparse

from supportdesk.cli import mail, processes, sla, tickets, tokens
from supportdesk.cli.common import PROG, usage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="supportdesk, the technical-support desk. Settings come from environment "
        "variables (see the README); with none set it runs on SQLite under ./var.",
    )
    parser.set_defaults(handler=lambda args: usage(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    processes.add_commands(commands)
    tickets.add_commands(commands)
    sla.add_commands(commands)
    mail.add_commands(commands)
    tokens.add_commands(commands)
    return parser
