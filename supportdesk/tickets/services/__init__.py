"""Every change to a ticket goes through one of these functions (one transaction each,
with its audit event and its follow-up tasks)."""

from supportdesk.tickets.services.agreements import grant_attachment_agreement
from supportdesk.tickets.services.assignment import (
    assign_ticket,
    move_ticket_to_team,
    set_assignment,
    unassign_ticket,
)
from supportdesk.tickets.services.bulk import ImportedMessage, ImportedTicket, import_tickets
from supportdesk.tickets.services.conversation import add_note, reply_to_ticket
from supportdesk.tickets.services.merging import merge_tickets
from supportdesk.tickets.services.messages import NewAttachment, StoredAttachment
from supportdesk.tickets.services.opening import open_ticket, opening_a_batch
from supportdesk.tickets.services.participants import add_participant
from supportdesk.tickets.services.publishing import publish_answer, withdraw_answer
from supportdesk.tickets.services.rereview import request_rereview
from supportdesk.tickets.services.routing import route_new_ticket
from supportdesk.tickets.services.status import change_priority, change_status, set_tags
from supportdesk.tickets.services.time_spent import record_time_spent
from supportdesk.tickets.services.uploads import (
    IncomingUpload,
    IssuedUploadLink,
    UploadRefusal,
    UploadRefused,
    accept_upload,
    issue_upload_link,
    request_upload_link,
    revoke_upload_link,
    send_upload_link,
)

__all__ = [
    "ImportedMessage",
    "ImportedTicket",
    "IncomingUpload",
    "IssuedUploadLink",
    "NewAttachment",
    "StoredAttachment",
    "UploadRefusal",
    "UploadRefused",
    "accept_upload",
    "add_note",
    "add_participant",
    "assign_ticket",
    "change_priority",
    "change_status",
    "grant_attachment_agreement",
    "import_tickets",
    "issue_upload_link",
    "merge_tickets",
    "move_ticket_to_team",
    "open_ticket",
    "opening_a_batch",
    "publish_answer",
    "record_time_spent",
    "reply_to_ticket",
    "request_rereview",
    "request_upload_link",
    "revoke_upload_link",
    "route_new_ticket",
    "send_upload_link",
    "set_assignment",
    "set_tags",
    "unassign_ticket",
    "withdraw_answer",
]
