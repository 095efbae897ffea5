"""Password policy and argon2id hashing that stays off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import sys
import threading
import unicodedata
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Passwords",
    "validate_password",
]

# OWASP / NIST 800-63B: long passphrases of any characters, no composition rules.
# The upper bound only stops absurd inputs; argon2 pre-hashes so cost is flat.
MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 256

_T = TypeVar("_T")

# How much lower than the event loop the hashing threads run (a nice value; 19
# is the lowest priority). A log-in then waits for CPU the loop and the
# database do not need, instead of every read waiting behind argon2's lanes.
HASHING_NICENESS: Final = 19


def _lower_thread_priority() -> None:
    """Runs in each hashing thread as it starts; argon2's lane threads inherit it.

    Linux gives every thread its own nice value; elsewhere the call would apply
    to the whole process, so the threads keep normal priority there.
    """
    if sys.platform != "linux":
        return
    tid = threading.get_native_id()
    # Lowering one's own priority is always allowed; should it fail, nothing changes.
    with contextlib.suppress(OSError):
        niceness = os.getpriority(os.PRIO_PROCESS, tid) + HASHING_NICENESS
        os.setpriority(os.PRIO_PROCESS, tid, niceness)


def _normalise(password: str) -> str:
    """NFKC, so the same passphrase typed on different keyboards hashes the same."""
    return unicodedata.normalize("NFKC", password)


def validate_password(password: str) -> str | None:
    """Return a message for the user when the password breaks the policy, else None."""
    length = len(_normalise(password))
    if length < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if length > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters long."
    return None


class Passwords:
    """argon2id hashing and verification, run in worker threads.

    Each hash costs tens of megabytes and milliseconds of CPU, so calls run in
    threads of their own, at a lower priority than the event loop, and a
    per-loop semaphore caps how many are in flight: a burst of log-ins queues
    instead of exhausting memory or starving the loop.
    """

    def __init__(
        self,
        *,
        time_cost: int = RFC_9106_LOW_MEMORY.time_cost,
        memory_cost: int = RFC_9106_LOW_MEMORY.memory_cost,
        parallelism: int = RFC_9106_LOW_MEMORY.parallelism,
        hash_len: int = RFC_9106_LOW_MEMORY.hash_len,
        salt_len: int = RFC_9106_LOW_MEMORY.salt_len,
        max_concurrency: int | None = None,
    ) -> None:
        # One hash already keeps `parallelism` cores busy: more at once than the
        # cores allow adds memory (memory_cost each), not log-ins per second.
        cores = os.cpu_count() or 1
        concurrency = (
            max_concurrency if max_concurrency is not None else max(1, cores // parallelism)
        )
        if concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=hash_len,
            salt_len=salt_len,
            type=Type.ID,
        )
        self._max_concurrency = concurrency
        self._threads = ThreadPoolExecutor(
            max_workers=concurrency,
            thread_name_prefix="argon2",
            initializer=_lower_thread_priority,
        )
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()
        # Verifying against this costs the same as against a real user's hash,
        # so "no such account" and "wrong password" take equally long.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(32))

    @property
    def max_concurrency(self) -> int:
        return self._max_concurrency

    async def hash(self, password: str) -> str:
        """Hash a new password; raises ValueError if it breaks the policy."""
        problem = validate_password(password)
        if problem is not None:
            raise ValueError(problem)
        return await self._offload(functools.partial(self._hash_sync, _normalise(password)))

    async def verify(self, stored_hash: str, password: str) -> bool:
        """True only on a match; a wrong password or a corrupt hash is just False."""
        # Cheap guard against megabyte inputs, loose enough never to refuse a
        # password that hash() could have accepted.
        if len(password) > MAX_PASSWORD_LENGTH * 4:
            return False
        return await self._offload(
            functools.partial(self._verify_sync, stored_hash, _normalise(password))
        )

    async def verify_dummy(self, password: str) -> bool:
        """Burn one verification's worth of work for an unknown account; always False."""
        await self.verify(self._dummy_hash, password)
        return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters (or is unreadable)."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def _hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._max_concurrency)
            self._semaphores[loop] = semaphore
        return semaphore

    async def _offload(self, func: Callable[[], _T]) -> _T:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphore()
        await semaphore.acquire()
        try:
            future = loop.run_in_executor(self._threads, func)
        except BaseException:
            semaphore.release()
            raise
        # The slot is freed when the thread finishes, not when the caller stops
        # waiting, so cancelled log-ins cannot push the bound past its limit.
        future.add_done_callback(lambda _: semaphore.release())
        return await asyncio.shield(future)
