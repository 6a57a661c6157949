from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending on customer"
    REREVIEW = "rereview", "Re-review (not satisfied)"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# Tickets that still need something from us or the customer: the queues show these.
UNRESOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.REREVIEW)

# Which status may follow which. Anything else is an InvalidTransition.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.SOLVED, Status.CLOSED, Status.REREVIEW}),
    Status.PENDING: frozenset({Status.OPEN, Status.SOLVED, Status.CLOSED, Status.REREVIEW}),
    Status.REREVIEW: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED, Status.REREVIEW}),
    # A closed ticket is final except for "not satisfied", which the seed promises an answer to.
    Status.CLOSED: frozenset({Status.REREVIEW}),
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Category(models.TextChoices):
    QUESTION = "question", "Question"
    BUG = "bug", "Bug"
    CRASH = "crash", "Crash"
    PERFORMANCE = "performance", "Performance"
    INSTALLATION = "installation", "Installation or license"
    SUGGESTION = "suggestion", "Suggestion"
    OTHER = "other", "Other"


class Channel(models.TextChoices):
    REQUEST_TOOL = "request_tool", "Request tool"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    FAX = "fax", "Fax"
    API = "api", "API"
    DESK = "desk", "Technician desk"


class MessageKind(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "To the customer"
    NOTE = "note", "Internal note"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "Satisfied"
    UNSATISFIED = "unsatisfied", "Not satisfied"


class EventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    REPLIED = "replied", "Replied"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied"
    NOTE_ADDED = "note_added", "Internal note added"
    ASSIGNED = "assigned", "Assigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    TAGS_CHANGED = "tags_changed", "Tags changed"
    MERGED_INTO = "merged_into", "Merged into another ticket"
    MERGED_FROM = "merged_from", "Another ticket merged in"
    REREVIEW_REQUESTED = "rereview_requested", "Re-review requested"
    ROUTED = "routed", "Routed"
    TIME_RECORDED = "time_recorded", "Time recorded"
    SLA_WARNING = "sla_warning", "Service-level warning"
    SLA_BREACHED = "sla_breached", "Service level breached, escalated"
    UPLOAD_LINK_ISSUED = "upload_link_issued", "Upload link issued"
    UPLOAD_LINK_REVOKED = "upload_link_revoked", "Upload link revoked"
    FILE_UPLOADED = "file_uploaded", "File uploaded through a link"
    PARTICIPANT_ADDED = "participant_added", "Participant added"
    ANSWER_PUBLISHED = "answer_published", "Answer published for every customer"
    ANSWER_WITHDRAWN = "answer_withdrawn", "Published answer withdrawn"
