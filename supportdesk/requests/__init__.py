"""The Standard Request: a versioned JSON document that describes one incident completely
(schema/request-v1.json), its validation, the service that turns it into a ticket, the
customers' API tokens and the REST API under /api/v1/.

    schema/       the JSON Schema, served at /api/v1/schema/request-v1.json
    texts.py      every customer-facing text, in English, Spanish and French
    validation.py the schema check plus the rules a schema cannot state; Problem
    services.py   submit_standard_request: a document and its files -> a ticket or a reply
    tokens.py     personal API tokens, stored hashed
    api/          the REST API (Django REST framework, OpenAPI by drf-spectacular)
"""
