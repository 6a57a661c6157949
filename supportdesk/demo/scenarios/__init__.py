"""What the demo tickets are about: realistic problems with the vendor's tools."""

from supportdesk.demo.scenarios.base import Scenario, Wording
from supportdesk.demo.scenarios.mobile import MOBILE_SCENARIOS
from supportdesk.demo.scenarios.phrases import PHRASES, Phrases
from supportdesk.demo.scenarios.webdev import WEBDEV_SCENARIOS
from supportdesk.demo.scenarios.windev import WINDEV_SCENARIOS

SCENARIOS: tuple[Scenario, ...] = WINDEV_SCENARIOS + WEBDEV_SCENARIOS + MOBILE_SCENARIOS

__all__ = ["PHRASES", "SCENARIOS", "Phrases", "Scenario", "Wording"]
