"""Service levels: business calendars and the deadline arithmetic built on them.

The engine (`calendar`, `hours`, `zone`) is plain Python and needs no Django; only
`calendar.calendar_from_model` reads a `BusinessCalendar` row.
"""
