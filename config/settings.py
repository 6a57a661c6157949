"""supportdesk settings: wiring only, every value from the environment (see config/env.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from config.env import (
    SettingError,
    env_bool,
    env_choice,
    env_database,
    env_host_port,
    env_int,
    env_list,
    env_mail_addresses,
    env_optional_path,
    env_path,
    env_str,
)

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
    "supportdesk.channels.email",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

# The product's own settings.
SUPPORTDESK: dict[str, Any] = {
    # Who carries a technician's answer to the customer (see tickets/delivery.py).
    "ANSWER_DELIVERY": env_list(
        "SUPPORTDESK_ANSWER_DELIVERY",
        ["supportdesk.channels.email.acknowledgements.send_reply_mail"],
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
    # Mail intake. The addresses served (the demo profile's two); any other recipient is
    # refused with 550 before the body is sent.
    "MAIL_ADDRESSES": env_mail_addresses(
        "SUPPORTDESK_MAIL_ADDRESSES", "support@example.com,direct@example.com"
    ),
    "MAIL_MAX_BYTES": env_int("SUPPORTDESK_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024),
    "MAIL_MAX_CONNECTIONS_PER_CLIENT": env_int(
        "SUPPORTDESK_MAIL_MAX_CONNECTIONS_PER_CLIENT", 10, minimum=1
    ),
    "SMTP_BIND": env_host_port("SUPPORTDESK_SMTP_BIND", "127.0.0.1:2525"),
    "LMTP_BIND": env_host_port("SUPPORTDESK_LMTP_BIND", ""),
    # STARTTLS is offered when both are set (PEM files, read when the listener starts).
    "MAIL_TLS_CERT": env_optional_path("SUPPORTDESK_MAIL_TLS_CERT"),
    "MAIL_TLS_KEY": env_optional_path("SUPPORTDESK_MAIL_TLS_KEY"),
    # Outgoing mail: sent from this address, with Message-IDs in this domain, through this
    # smarthost (HOST:PORT), optionally with STARTTLS and a login.
    "MAIL_FROM": env_mail_addresses("SUPPORTDESK_MAIL_FROM", "support@example.com"),
    "MAIL_DOMAIN": env_str("SUPPORTDESK_MAIL_DOMAIN", "example.com").strip().lower(),
    "SMTP_RELAY": env_host_port("SUPPORTDESK_SMTP_RELAY", "127.0.0.1:25"),
    "SMTP_RELAY_USER": env_str("SUPPORTDESK_SMTP_RELAY_USER", ""),
    "SMTP_RELAY_PASSWORD": env_str("SUPPORTDESK_SMTP_RELAY_PASSWORD", ""),
    "SMTP_RELAY_STARTTLS": env_bool("SUPPORTDESK_SMTP_RELAY_STARTTLS", False),
    # Automatic mail (acknowledgements) to one address per hour, at most: stops mail loops.
    "MAIL_AUTO_REPLIES_PER_HOUR": env_int("SUPPORTDESK_MAIL_AUTO_REPLIES_PER_HOUR", 5, minimum=0),
}

if len(SUPPORTDESK["MAIL_FROM"]) != 1:
    raise SettingError("SUPPORTDESK_MAIL_FROM", "expected one address, like support@example.com")
SUPPORTDESK["MAIL_FROM"] = SUPPORTDESK["MAIL_FROM"][0]
if not re.fullmatch(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", SUPPORTDESK["MAIL_DOMAIN"]):
    # It ends every Message-ID we write: anything else would break the header.
    raise SettingError("SUPPORTDESK_MAIL_DOMAIN", "expected a domain name, like example.com")
if SUPPORTDESK["SMTP_RELAY"] is None:
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
