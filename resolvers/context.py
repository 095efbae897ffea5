"""What every resolver receives: built per request by `server.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datastore.client import Database
from datastore.loaders import Loaders


@dataclass
class Context:
    db: Database
    loaders: Loaders
    request_id: str
    extras: dict[str, Any] = field(default_factory=dict)
