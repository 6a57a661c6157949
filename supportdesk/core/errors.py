"""Domain errors. Services raise these; the interfaces translate them (HTTP, exit codes)."""


class DomainError(Exception):
    """A request the domain refuses, with a message fit to show the person who asked."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidTransition(DomainError):
    """`code` names the reason for interfaces that say it in the customer's language
    ("ticket_closed", "not_answered", ...); the message is the English fallback."""

    def __init__(self, message: str, *, code: str = "") -> None:
        self.code = code
        super().__init__(message)


class InvalidInput(DomainError):
    """Input that names what is wrong: field -> problem."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
