"""Public holidays from the `holidays` package, computed lazily one year at a time.

A calendar asks for a year only when its arithmetic reaches it, so deadlines years ahead
still skip that year's holidays, and the years already computed are shared by every
calendar of the same country and subdivision.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from supportdesk.sla.errors import CalendarConfigError


class PublicHolidays:
    """The public holidays of a country (and optionally a subdivision), as a per-year source.

    Call it with a year to get that year's holiday dates. Unknown countries or subdivisions
    are refused when it is built, not at the first deadline.
    """

    __slots__ = ("country", "subdivision")

    def __init__(self, country: str, subdivision: str = "") -> None:
        self.country = country.strip().upper()
        self.subdivision = subdivision.strip()
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision or None)
        except NotImplementedError as error:
            raise CalendarConfigError(
                f"holidays: no public holidays known for country {country!r}"
                + (f" subdivision {subdivision!r}" if subdivision else "")
            ) from error

    def __call__(self, year: int) -> frozenset[date]:
        return _holidays_of_year(self.country, self.subdivision, year)

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"PublicHolidays({where})"


@lru_cache(maxsize=1024)
def _holidays_of_year(country: str, subdivision: str, year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())
