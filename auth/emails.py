"""E-mail address normalisation and a pragmatic syntax check (no DNS, no packages)."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_EMAIL_LENGTH", "normalise_email", "validate_email"]

MAX_EMAIL_LENGTH: Final = 254  # RFC 5321 path limit minus the angle brackets
_MAX_LOCAL_LENGTH: Final = 64
_MAX_LABEL_LENGTH: Final = 63
_INVALID_MESSAGE: Final = "Enter a valid email address, like name@example.com."
# RFC 5322 dot-atom characters, plus any non-ASCII letter (RFC 6531 addresses).
_LOCAL_ATOM: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+")
_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased, so one mailbox maps to one account."""
    return raw.strip().lower()


def validate_email(normalised: str) -> str | None:
    """Return a message for the user when the address is unusable, else None."""
    if not normalised:
        return "Enter an email address."
    if len(normalised) > MAX_EMAIL_LENGTH:
        return f"Email address must be at most {MAX_EMAIL_LENGTH} characters."
    if normalised.count("@") != 1:
        return _INVALID_MESSAGE
    local, domain = normalised.split("@")
    if not local or len(local) > _MAX_LOCAL_LENGTH or not _valid_local(local):
        return _INVALID_MESSAGE
    if not _valid_domain(domain):
        return _INVALID_MESSAGE
    return None


def _valid_local(local: str) -> bool:
    atoms = local.split(".")
    return all(atom and _LOCAL_ATOM.fullmatch(atom) and atom.isprintable() for atom in atoms)


def _valid_domain(domain: str) -> bool:
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    if len(domain) > MAX_EMAIL_LENGTH - 2:
        return False
    labels = domain.lower().split(".")
    if len(labels) < 2:
        return False
    if not all(len(label) <= _MAX_LABEL_LENGTH and _LABEL.fullmatch(label) for label in labels):
        return False
    # An all-numeric top-level label means an IP address, not a mail domain.
    return not labels[-1].isdigit()
