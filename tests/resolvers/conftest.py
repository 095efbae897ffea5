"""Apps over a fresh database with raw access, shared with the account tests."""

from tests.accounts.conftest import accounts_app, accounts_app_factory

__all__ = ["accounts_app", "accounts_app_factory"]
