"""The demo profile: the support service of the seed, with its products, plans, calendar,
staff, customers and a few hundred realistic tickets. Only the command line imports this."""

from supportdesk.demo.accounts import ensure_demo_accounts
from supportdesk.demo.loader import load_demo
from supportdesk.demo.planning import DEMO_TAG

__all__ = ["DEMO_TAG", "ensure_demo_accounts", "load_demo"]
