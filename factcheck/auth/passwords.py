"""Password hashing (Argon2id over a peppered HMAC) and the password policy."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from factcheck.errors import InvalidInput


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("factcheck.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _normalise(password: str) -> str:
    # NIST 800-63B: compare Unicode passwords in a normal form, never truncate or strip.
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True)
class PasswordPolicy:
    """Length bounds plus a list of common passwords; no composition rules (ASVS 2.1.9)."""

    min_length: int = 12
    max_length: int = 128

    def check(self, password: str, *, email: str | None = None) -> None:
        """Raise InvalidInput with a message a user can act on if the password is weak."""
        normalised = _normalise(password)
        if len(normalised) < self.min_length:
            raise InvalidInput(f"Use at least {self.min_length} characters for the password.")
        if len(normalised) > self.max_length:
            raise InvalidInput(f"Use at most {self.max_length} characters for the password.")
        lowered = normalised.lower()
        if lowered in _common_passwords() or len(set(lowered)) < 4:
            raise InvalidInput(
                "This password is too common or too easy to guess. "
                "A few unrelated words make a strong one."
            )
        if email:
            local = email.split("@", 1)[0].lower()
            if lowered == email.lower() or (len(local) >= 4 and local in lowered):
                raise InvalidInput("The password must not contain your email address.")


class Passwords:
    """Hash and verify passwords with Argon2id after HMAC-SHA256 with a secret pepper."""

    def __init__(
        self, pepper: str, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4
    ) -> None:
        if not pepper:
            raise ValueError("a password pepper is required")
        self._pepper = pepper.encode("utf-8")
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against when the email is unknown, so both paths cost the same time.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    def _peppered(self, password: str) -> bytes:
        digest = hmac.new(self._pepper, _normalise(password).encode("utf-8"), hashlib.sha256)
        return digest.hexdigest().encode("ascii")

    def hash(self, password: str) -> str:
        """Return the encoded Argon2id hash of the password."""
        return self._hasher.hash(self._peppered(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Tell whether the password matches; always spends one hash's worth of time."""
        try:
            matched = self._hasher.verify(stored_hash or self._dummy_hash, self._peppered(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        """Tell whether the hash was made with other parameters than the current ones."""
        return self._hasher.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """Return a random one-time password that passes the policy."""
    return secrets.token_urlsafe(15)
