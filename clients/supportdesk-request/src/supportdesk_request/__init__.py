"""supportdesk-request: build, check and send a Standard Request (supportdesk request v1).

Standard library only. The Python API for products and IDEs that open the tool pre-filled
lives in `supportdesk_request.api`."""

__version__ = "1.0.0"
CLIENT_NAME = "supportdesk-request"
