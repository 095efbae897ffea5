"""Sending e-mail: to an SMTP server (aiosmtplib), or into a folder in development."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

log = logging.getLogger("leeto.jobs.mail")

SMTP_TIMEOUT_SECONDS = 30.0


class MailNotSent(Exception):
    """The message was not accepted; `reason` names the failure without any
    address or server text (an SMTP reply may quote the recipient)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """smtp://[user:password@]host[:port] (STARTTLS when the server offers it),
    or smtps:// for TLS from the first byte."""

    url: str

    async def send(self, message: EmailMessage) -> None:
        parts = urlsplit(self.url)
        implicit_tls = parts.scheme == "smtps"
        try:
            await aiosmtplib.send(
                message,
                hostname=parts.hostname,
                port=parts.port or (465 if implicit_tls else 25),
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                use_tls=implicit_tls,
                timeout=SMTP_TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise MailNotSent(f"SMTP reply {exc.code}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailNotSent(type(exc).__name__) from None

    def describe(self) -> str:
        parts = urlsplit(self.url)
        return f"SMTP server {parts.hostname}:{parts.port or ''}".rstrip(":")


@dataclass(frozen=True, slots=True)
class FolderMailer:
    """Development without an SMTP server: one .eml file per message."""

    folder: Path

    async def send(self, message: EmailMessage) -> None:
        name = message["Message-ID"].strip("<>").replace("@", "_").replace(":", "_")
        await asyncio.to_thread(self._write, self.folder / f"{name}.eml", message.as_bytes())

    def _write(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def count(self) -> int:
        return len(list(self.folder.glob("*.eml"))) if self.folder.is_dir() else 0

    def describe(self) -> str:
        return f"folder {self.folder} ({self.count()} message(s) so far)"


def mailer_for(smtp_url: str | None, data_dir: Path) -> Mailer:
    if smtp_url:
        return SmtpMailer(smtp_url)
    return FolderMailer(data_dir / "mail")
