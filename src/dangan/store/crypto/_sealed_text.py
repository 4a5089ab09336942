"""Small secrets the archive must read back (TOTP seeds, webhook signing secrets), sealed in the catalogue.

Envelope encryption like a stored object's content: a fresh AES-256-GCM data key per secret, wrapped by
the master key, and a `context` (whose secret it is: "totp:li", "webhook:<id>") as associated data, so
a sealed value copied onto another row does not open. A stolen catalogue or backup therefore holds no
usable secret. The text is JSON `{"ct", "key", "nonce"}`; `rewrap_text` moves it to the current master
key without decrypting the secret (only its data key), as a key rotation does for objects.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._envelope import WrappedKey
from ._keyring import KeyRing

TEXT_CIPHER = "AES-256-GCM"


def seal_text(ring: KeyRing, text: str, context: str) -> str:
    data_key, wrapped = ring.wrap(TEXT_CIPHER)
    nonce = os.urandom(12)
    sealed = AESGCM(data_key).encrypt(nonce, text.encode(), context.encode())
    doc = {"key": wrapped.as_dict(), "nonce": base64.b64encode(nonce).decode(),
           "ct": base64.b64encode(sealed).decode()}  # fmt: skip
    return json.dumps(doc, sort_keys=True)


def unseal_text(ring: KeyRing, sealed: str, context: str) -> str:
    """The secret; `cryptography.exceptions.InvalidTag` when it was sealed for another context or altered."""
    doc = json.loads(sealed)
    data_key = ring.unwrap(WrappedKey.from_dict(doc["key"]))
    plain = AESGCM(data_key).decrypt(base64.b64decode(doc["nonce"]), base64.b64decode(doc["ct"]),
                                     context.encode())  # fmt: skip
    return plain.decode()


def is_sealed(value: str) -> bool:
    return value.lstrip().startswith("{")


def rewrap_text(ring: KeyRing, sealed: str) -> str | None:
    """The sealed text with its data key wrapped by the current master key; None when it already is."""
    doc = json.loads(sealed)
    record = ring.rewrap(doc["key"])
    if record is None:
        return None
    return json.dumps({**doc, "key": record}, sort_keys=True)
