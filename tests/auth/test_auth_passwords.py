from __future__ import annotations

import asyncio
import os
import sys
import threading
import unicodedata

import argon2
import pytest

from auth.passwords import (
    HASHING_NICENESS,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Passwords,
    validate_password,
)

CHEAP = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
GOOD_PASSWORD = "correct horse battery staple"


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(**CHEAP)


async def test_hash_then_verify(passwords: Passwords) -> None:
    stored = await passwords.hash(GOOD_PASSWORD)
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored
    assert await passwords.verify(stored, GOOD_PASSWORD) is True


async def test_wrong_password_is_false(passwords: Passwords) -> None:
    stored = await passwords.hash(GOOD_PASSWORD)
    assert await passwords.verify(stored, GOOD_PASSWORD + "!") is False
    assert await passwords.verify(stored, "") is False


async def test_same_password_gets_distinct_salts(passwords: Passwords) -> None:
    assert await passwords.hash(GOOD_PASSWORD) != await passwords.hash(GOOD_PASSWORD)


@pytest.mark.parametrize(
    "stored", ["", "not-a-hash", "$argon2id$v=19$m=1024,t=1,p=1$broken", "$2b$12$abcdefghijk"]
)
async def test_corrupt_hash_is_false_not_an_error(passwords: Passwords, stored: str) -> None:
    assert await passwords.verify(stored, GOOD_PASSWORD) is False


async def test_absurdly_long_input_is_false(passwords: Passwords) -> None:
    stored = await passwords.hash(GOOD_PASSWORD)
    assert await passwords.verify(stored, "x" * 1_000_000) is False


async def test_hash_refuses_policy_violations(passwords: Passwords) -> None:
    with pytest.raises(ValueError, match="at least"):
        await passwords.hash("short")
    with pytest.raises(ValueError, match="at most"):
        await passwords.hash("x" * (MAX_PASSWORD_LENGTH + 1))


async def test_unicode_forms_verify_alike(passwords: Passwords) -> None:
    composed = unicodedata.normalize("NFC", "café crème brûlée")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    stored = await passwords.hash(composed)
    assert await passwords.verify(stored, decomposed) is True


async def test_needs_rehash_after_parameters_change(passwords: Passwords) -> None:
    weak_hash = await passwords.hash(GOOD_PASSWORD)
    stronger = Passwords(time_cost=2, memory_cost=2048, parallelism=1)
    assert passwords.needs_rehash(weak_hash) is False
    assert stronger.needs_rehash(weak_hash) is True
    # The old hash still verifies, which is what lets log-in upgrade it.
    assert await stronger.verify(weak_hash, GOOD_PASSWORD) is True
    upgraded = await stronger.hash(GOOD_PASSWORD)
    assert stronger.needs_rehash(upgraded) is False


async def test_needs_rehash_for_other_argon2_variant(passwords: Passwords) -> None:
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.I)
    argon2i = hasher.hash(GOOD_PASSWORD)
    assert passwords.needs_rehash(argon2i) is True
    assert passwords.needs_rehash("garbage") is True


async def test_dummy_verify_is_false(passwords: Passwords) -> None:
    assert await passwords.verify_dummy(GOOD_PASSWORD) is False
    assert await passwords.verify_dummy("") is False


def test_defaults_meet_rfc_9106_low_memory() -> None:
    params = argon2.extract_parameters(Passwords()._dummy_hash)
    assert params.type is argon2.Type.ID
    assert params.time_cost >= 3
    assert params.memory_cost >= 64 * 1024
    assert params.parallelism >= 4
    assert params.salt_len >= 16
    assert params.hash_len >= 32


class _CountingPasswords(Passwords):
    """Counts hashes running at once inside the worker threads."""

    def __init__(self, max_concurrency: int) -> None:
        super().__init__(max_concurrency=max_concurrency, **CHEAP)
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        # Each pair waits for the other, so two really do overlap when allowed.
        self.barrier = threading.Barrier(max_concurrency, timeout=10)

    def _hash_sync(self, password: str) -> str:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            self.barrier.wait()
            return super()._hash_sync(password)
        finally:
            with self.lock:
                self.running -= 1


async def test_concurrency_is_bounded() -> None:
    passwords = _CountingPasswords(max_concurrency=2)
    hashes = await asyncio.gather(*(passwords.hash(f"{GOOD_PASSWORD} {i}") for i in range(10)))
    assert len(set(hashes)) == 10
    assert passwords.peak == 2
    assert passwords.running == 0


async def test_cancelled_caller_keeps_slot_until_thread_finishes() -> None:
    passwords = _CountingPasswords(max_concurrency=2)
    first = asyncio.create_task(passwords.hash(GOOD_PASSWORD))
    await asyncio.sleep(0)
    first.cancel()
    # Were the slot freed on cancellation, these could make three in flight.
    await asyncio.gather(*(passwords.hash(f"{GOOD_PASSWORD} {i}") for i in range(3)))
    with pytest.raises(asyncio.CancelledError):
        await first
    assert passwords.peak == 2


def test_usable_from_several_event_loops() -> None:
    passwords = Passwords(max_concurrency=1, **CHEAP)

    async def burst() -> list[bool]:
        stored = await passwords.hash(GOOD_PASSWORD)
        return await asyncio.gather(*(passwords.verify(stored, GOOD_PASSWORD) for _ in range(3)))

    assert asyncio.run(burst()) == [True] * 3
    assert asyncio.run(burst()) == [True] * 3


class _PriorityPasswords(Passwords):
    """Notes the nice value of the thread each hash runs in."""

    niceness: int | None = None

    def _hash_sync(self, password: str) -> str:
        self.niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return super()._hash_sync(password)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
async def test_hashing_runs_below_the_event_loops_priority() -> None:
    passwords = _PriorityPasswords(max_concurrency=1, **CHEAP)
    await passwords.hash(GOOD_PASSWORD)
    loop_thread = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert passwords.niceness == min(19, loop_thread + HASHING_NICENESS)
    # The event loop's own thread kept its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == loop_thread


def test_hashes_in_flight_default_to_what_the_cores_hold() -> None:
    cores = os.cpu_count() or 1
    costs = {"time_cost": 1, "memory_cost": 1024 * 8}  # argon2 wants 8 KiB per lane
    assert Passwords(parallelism=1, **costs).max_concurrency == cores
    assert Passwords(parallelism=cores + 1, **costs).max_concurrency == 1


def test_rejects_zero_concurrency() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        Passwords(max_concurrency=0, **CHEAP)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("", False),
        ("a" * (MIN_PASSWORD_LENGTH - 1), False),
        ("a" * MIN_PASSWORD_LENGTH, True),
        ("a" * MAX_PASSWORD_LENGTH, True),
        ("a" * (MAX_PASSWORD_LENGTH + 1), False),
        ("пароль-секрет", True),
        ("🔑🔒🗝️🔐🔓🔑🔒🗝️🔐🔓", True),
        ("          ", True),
    ],
)
def test_validate_password_bounds(password: str, ok: bool) -> None:
    message = validate_password(password)
    assert (message is None) is ok
    if not ok:
        assert isinstance(message, str)
        assert message


def test_policy_bounds_are_the_documented_ones() -> None:
    assert (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH) == (10, 256)
    assert validate_password("a" * 9) is not None
    assert validate_password("a" * 10) is None
    assert validate_password("a" * 256) is None
    assert validate_password("a" * 257) is not None
