"""supportdesk settings: wiring only, every value from the environment (see config/env.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from config.env import (
    SettingError,
    env_bool,
    env_choice,
    env_choices,
    env_database,
    env_host_port,
    env_int,
    env_list,
    env_mail_addresses,
    env_mail_senders,
    env_optional_path,
    env_path,
    env_str,
)
from config.imap import env_imap_mailboxes

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("SUPPORTDESK_DATA_DIR", BASE_DIR / "var")

DEBUG = env_bool("SUPPORTDESK_DEBUG", False)
SECRET_KEY = env_str("SUPPORTDESK_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("SUPPORTDESK_PRODUCTION", False):
        raise SettingError(
            "SUPPORTDESK_SECRET_KEY", "must be set when SUPPORTDESK_PRODUCTION is on"
        )
    # The embedded default: a key that is fine on a developer's laptop, never in production.
    SECRET_KEY = "supportdesk-embedded-default-not-for-production"  # noqa: S105
ALLOWED_HOSTS = env_list("SUPPORTDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SUPPORTDESK_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SUPPORTDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "supportdesk.core",
    "supportdesk.catalog",
    "supportdesk.accounts",
    "supportdesk.plans",
    "supportdesk.tickets",
    "supportdesk.requests",
    "supportdesk.channels.email",
    "supportdesk.portal",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "supportdesk.accounts.middleware.TechnicianTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", DATA_DIR / "supportdesk.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        # The task row is written in the same transaction as the change that needs it:
        # a rolled-back change leaves no task, a committed change always has its task.
        "BACKEND": env_choice(
            "SUPPORTDESK_TASK_BACKEND",
            "django_tasks_db.DatabaseBackend",
            ["django_tasks_db.DatabaseBackend", "django_tasks.backends.immediate.ImmediateBackend"],
        ),
        "QUEUES": ["default", "mail", "sla"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
TIME_ZONE = env_str("SUPPORTDESK_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = env_path("SUPPORTDESK_MEDIA_ROOT", DATA_DIR / "media")
# Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (and every file sent through an upload link) are
# written here while they arrive. On the file system of MEDIA_ROOT, storing one is a rename;
# a /tmp in RAM (tmpfs) would hold a 2 GB upload in memory. Default: the system's.
FILE_UPLOAD_TEMP_DIR = env_optional_path("SUPPORTDESK_UPLOAD_TEMP_DIR")
if FILE_UPLOAD_TEMP_DIR is not None and not FILE_UPLOAD_TEMP_DIR.is_dir():
    raise SettingError("SUPPORTDESK_UPLOAD_TEMP_DIR", f"{FILE_UPLOAD_TEMP_DIR} is not a directory")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

# The REST API (/api/v1/): customers authenticate with their personal API token on each
# view (supportdesk.requests.api.authentication); nothing is open by default.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "supportdesk.requests.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "supportdesk API",
    "DESCRIPTION": "Standard Requests and ticket status for customers. "
    "Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# The product's own settings.
SUPPORTDESK: dict[str, Any] = {
    # Who carries a technician's answer to the customer (see tickets/delivery.py).
    "ANSWER_DELIVERY": env_list(
        "SUPPORTDESK_ANSWER_DELIVERY",
        ["supportdesk.channels.email.acknowledgements.send_reply_mail"],
    ),
    # Who tells a technician about a service-level warning or escalation (tickets/delivery.py).
    "SLA_ALERT_DELIVERY": env_list(
        "SUPPORTDESK_SLA_ALERT_DELIVERY",
        ["supportdesk.channels.email.notices.mail_sla_alert"],
    ),
    "TICKET_PREFIX": env_str("SUPPORTDESK_TICKET_PREFIX", "SD"),
    "TICKET_LIST_MAX_LIMIT": env_int("SUPPORTDESK_TICKET_LIST_MAX_LIMIT", 500, minimum=1),
    "WEB_BIND": env_str("SUPPORTDESK_WEB_BIND", "127.0.0.1:8000"),
    "WEB_WORKERS": env_int("SUPPORTDESK_WEB_WORKERS", 2, minimum=1),
    # Background task workers started by `supportdesk run` (one task at a time each).
    "TASK_WORKERS": env_int("SUPPORTDESK_TASK_WORKERS", 2, minimum=1, maximum=64),
    # Share of the time to a deadline after which the assignee is warned (e.g. 75 %).
    "SLA_WARNING_RATIO": env_int("SUPPORTDESK_SLA_WARNING_PERCENT", 75, minimum=1, maximum=99)
    / 100,
    "SLA_CACHE_SECONDS": env_int("SUPPORTDESK_SLA_CACHE_SECONDS", 60, minimum=0),
    # Products, aliases and versions, read by the product guess of every free-form request.
    "CATALOG_CACHE_SECONDS": env_int("SUPPORTDESK_CATALOG_CACHE_SECONDS", 60, minimum=0),
    # Mail intake. The addresses served (the demo profile's two); any other recipient is
    # refused with 550 before the body is sent.
    "MAIL_ADDRESSES": env_mail_addresses(
        "SUPPORTDESK_MAIL_ADDRESSES", "support@example.com,direct@example.com"
    ),
    "MAIL_MAX_BYTES": env_int("SUPPORTDESK_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024),
    # Listener processes of `supportdesk smtpd` (0: one per CPU).
    "SMTPD_PROCESSES": env_int("SUPPORTDESK_SMTPD_PROCESSES", 0, minimum=0),
    # Raw mail up to this size is stored in its database row (made durable by the commit)
    # instead of a file fsynced on its own; 0 stores every mail as a file.
    "MAIL_INLINE_MAX_BYTES": env_int("SUPPORTDESK_MAIL_INLINE_MAX_BYTES", 256 * 1024, minimum=0),
    "MAIL_MAX_CONNECTIONS_PER_CLIENT": env_int(
        "SUPPORTDESK_MAIL_MAX_CONNECTIONS_PER_CLIENT", 10, minimum=1
    ),
    "SMTP_BIND": env_host_port("SUPPORTDESK_SMTP_BIND", "127.0.0.1:2525"),
    "LMTP_BIND": env_host_port("SUPPORTDESK_LMTP_BIND", ""),
    # STARTTLS is offered when both are set (PEM files, read when the listener starts).
    "MAIL_TLS_CERT": env_optional_path("SUPPORTDESK_MAIL_TLS_CERT"),
    "MAIL_TLS_KEY": env_optional_path("SUPPORTDESK_MAIL_TLS_KEY"),
    # Outgoing mail: sent from this address, with Message-IDs in this domain, through this
    # smarthost (HOST:PORT), optionally with STARTTLS and a login. With no smarthost set,
    # mail is written as .eml files to MAIL_OUTBOX_DIR instead ("file" delivery): a new
    # install never retries for days against a port 25 that nobody listens on.
    "MAIL_FROM": env_mail_addresses("SUPPORTDESK_MAIL_FROM", "support@example.com"),
    "MAIL_DOMAIN": env_str("SUPPORTDESK_MAIL_DOMAIN", "example.com").strip().lower(),
    "MAIL_DELIVERY": env_choice(
        "SUPPORTDESK_MAIL_DELIVERY",
        "smtp" if os.environ.get("SUPPORTDESK_SMTP_RELAY") else "file",
        ["smtp", "file"],
    ),
    "MAIL_OUTBOX_DIR": env_path("SUPPORTDESK_MAIL_OUTBOX_DIR", DATA_DIR / "outbox"),
    "SMTP_RELAY": env_host_port("SUPPORTDESK_SMTP_RELAY", "127.0.0.1:25"),
    "SMTP_RELAY_USER": env_str("SUPPORTDESK_SMTP_RELAY_USER", ""),
    "SMTP_RELAY_PASSWORD": env_str("SUPPORTDESK_SMTP_RELAY_PASSWORD", ""),
    "SMTP_RELAY_STARTTLS": env_bool("SUPPORTDESK_SMTP_RELAY_STARTTLS", False),
    # Automatic mail (acknowledgements) to one address per hour, at most: stops mail loops.
    "MAIL_AUTO_REPLIES_PER_HOUR": env_int("SUPPORTDESK_MAIL_AUTO_REPLIES_PER_HOUR", 5, minimum=0),
    # Files one upload link takes before the customer must ask for a new one: each is up to
    # the agreement's cap, so this bounds what one link can put on disk.
    "UPLOAD_LINK_MAX_FILES": env_int("SUPPORTDESK_UPLOAD_LINK_MAX_FILES", 20, minimum=1),
    # The largest Standard Request the API reads (document and files), like the mail size
    # limit: files over the plan's limit but under this one are recorded (name, size, hash)
    # and removed; a larger request is refused before it is read (413).
    "API_REQUEST_MAX_BYTES": env_int(
        "SUPPORTDESK_API_REQUEST_MAX_BYTES", 40 * 1024 * 1024, minimum=1024
    ),
    # Ticket categories free support does not cover: such requests are opened, tagged
    # "out-of-scope" and the customer is pointed to Direct Assistance (plans/entitlement.py).
    "OUT_OF_SCOPE_CATEGORIES": env_choices(
        "SUPPORTDESK_OUT_OF_SCOPE_CATEGORIES",
        [],
        ["question", "bug", "crash", "performance", "installation", "suggestion", "other"],
    ),
    # Sender authenticity. Authentication-Results headers are read only from these
    # authserv-ids (the receiving MTA's own, e.g. mx.example.com): anyone can write that
    # header, so the MTA must also remove copies carrying its id from incoming mail
    # (RFC 8601 section 5). Empty: no header is trusted.
    "MAIL_TRUSTED_AUTHSERV_IDS": [
        item.lower() for item in env_list("SUPPORTDESK_MAIL_TRUSTED_AUTHSERV_IDS", [])
    ],
    # Checks made here, with DNS lookups, when no trusted header gives a result: dkim, spf.
    "MAIL_VERIFY": env_choices("SUPPORTDESK_MAIL_VERIFY", [], ["dkim", "spf"]),
    # Fax-to-email gateways (sender addresses or domains): their mail becomes fax messages.
    "FAX_GATEWAYS": env_mail_senders("SUPPORTDESK_FAX_GATEWAYS", []),
    # A sender killed mid-send holds its outbox row this long; then the row is sent again
    # (same Message-ID). Longer than the slowest smarthost conversation (SMTP timeout 60 s).
    "MAIL_SENDING_LEASE_SECONDS": env_int(
        "SUPPORTDESK_MAIL_SENDING_LEASE_SECONDS", 15 * 60, minimum=1
    ),
    # A mail (in or out) whose task is this late is taken as lost (a killed worker) and
    # enqueued again by the sweep; processing and sending claim rows, so a spare is harmless.
    "MAIL_STALLED_AFTER_SECONDS": env_int(
        "SUPPORTDESK_MAIL_STALLED_AFTER_SECONDS", 5 * 60, minimum=1
    ),
    # Files a technician's reply carries by mail, in all; the files past it are listed in
    # the mail with a pointer to the ticket instead.
    "MAIL_REPLY_ATTACHMENTS_MAX_BYTES": env_int(
        "SUPPORTDESK_MAIL_REPLY_ATTACHMENTS_MAX_BYTES", 9 * 1000 * 1000, minimum=0
    ),
    # Where a customer downloads the request tool and reads how to use it: the free-form
    # mail's acknowledgement recommends the tool with this link.
    "REQUEST_TOOL_URL": env_str("SUPPORTDESK_REQUEST_TOOL_URL", "").strip()
    or f"{SITE_URL}/request-tool",
}

# IMAP intake (`supportdesk mail fetch`): mailboxes hosted elsewhere, as URLs (config/imap.py).
SUPPORTDESK["IMAP_MAILBOXES"] = env_imap_mailboxes("SUPPORTDESK_IMAP_MAILBOXES")
# How often a server without IDLE is asked for new mail.
SUPPORTDESK["IMAP_POLL_SECONDS"] = env_int("SUPPORTDESK_IMAP_POLL_SECONDS", 60, minimum=1)

# All parts of a message once decoded (attachments, nested mail, winmail.dat contents): past
# this, the mail goes to the quarantine unread. Twice the largest message by default.
SUPPORTDESK["MAIL_MAX_EXPANDED_BYTES"] = env_int(
    "SUPPORTDESK_MAIL_MAX_EXPANDED_BYTES", 2 * SUPPORTDESK["MAIL_MAX_BYTES"], minimum=1024
)
if len(SUPPORTDESK["MAIL_FROM"]) != 1:
    raise SettingError("SUPPORTDESK_MAIL_FROM", "expected one address, like support@example.com")
SUPPORTDESK["MAIL_FROM"] = SUPPORTDESK["MAIL_FROM"][0]
if not re.fullmatch(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", SUPPORTDESK["MAIL_DOMAIN"]):
    # It ends every Message-ID we write: anything else would break the header.
    raise SettingError("SUPPORTDESK_MAIL_DOMAIN", "expected a domain name, like example.com")
if SUPPORTDESK["SMTP_RELAY"] is None and SUPPORTDESK["MAIL_DELIVERY"] == "smtp":
    raise SettingError("SUPPORTDESK_SMTP_RELAY", "expected HOST:PORT of the smarthost")

if (SUPPORTDESK["MAIL_TLS_CERT"] is None) != (SUPPORTDESK["MAIL_TLS_KEY"] is None):
    raise SettingError(
        "SUPPORTDESK_MAIL_TLS_KEY"
        if SUPPORTDESK["MAIL_TLS_KEY"] is None
        else "SUPPORTDESK_MAIL_TLS_CERT",
        "STARTTLS needs both SUPPORTDESK_MAIL_TLS_CERT and SUPPORTDESK_MAIL_TLS_KEY",
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "SUPPORTDESK_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        ),
    },
}
