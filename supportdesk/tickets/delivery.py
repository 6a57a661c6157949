"""Handing a technician's answer to the channels that carry it to the customer.

The ticket core must not import the channels (they sit above it), so the deliverers are
named in settings (SUPPORTDESK["ANSWER_DELIVERY"]: dotted paths of functions taking
`message=`). Each is called inside the reply's transaction and must only record its work
(an outbox row, a task): the answer and its delivery commit together or not at all.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from supportdesk.tickets.models import Message


def deliver_answer(message: Message) -> None:
    for path in settings.SUPPORTDESK["ANSWER_DELIVERY"]:
        import_string(path)(message=message)
