"""Password and API-key hashing shared by both apps (stdlib crypto, one stored format)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt parameters: ~16 MiB and a few tens of ms per hash. The async app runs
# verify_password in a thread so it never holds the event loop.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
API_KEY_PREFIX_LENGTH = 8


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored_hash.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_api_key() -> str:
    return "mvk_" + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    """API keys are long random tokens, so a fast hash is enough (no salt, indexable)."""
    return hashlib.sha256(api_key.encode()).hexdigest()
