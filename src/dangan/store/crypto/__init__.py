"""Cryptography of stored content: envelope encryption (a data key per object, wrapped by the master
key; SM4-GCM or AES-256-GCM in chunks), the key ring on disk, and SM3 (libgcrypt where present); the
signing and seal certificates and their revocation lists."""

from dangan.store.crypto._certs import (
    SigningIdentity,
    build_certificate,
    create_local_ca,
    current_identity,
    import_certificate,
    load_certificates,
    signing_identities,
    signing_key_files,
    trusted_roots,
    tsa_identity,
)
from dangan.store.crypto._envelope import (
    DecryptionFailed,
    MasterKey,
    WrappedKey,
    decrypt_chunks,
    encrypt_chunks,
)
from dangan.store.crypto._keyring import KeyRing, create_master_key_file, key_record_bytes, load_keyring
from dangan.store.crypto._revocation import (
    REASONS,
    Revocation,
    import_crl,
    reason_name,
    revocation_of,
    revoke_identity,
    signing_crls,
    stale_crls,
)
from dangan.store.crypto._seal import (
    SealIdentity,
    create_seal,
    current_seal,
    seal_identities,
    seal_key_files,
    seal_root_files,
)
from dangan.store.crypto._seal_crl import (
    revoke_seal,
    seal_crl_files,
    seal_revocation,
    stale_seal_crls,
)
from dangan.store.crypto._sealed_text import is_sealed, rewrap_text, seal_text, unseal_text
from dangan.store.crypto._sm3 import new_sm3

__all__ = [
    "REASONS",
    "DecryptionFailed",
    "KeyRing",
    "MasterKey",
    "Revocation",
    "SealIdentity",
    "SigningIdentity",
    "WrappedKey",
    "build_certificate",
    "create_local_ca",
    "create_master_key_file",
    "create_seal",
    "current_identity",
    "current_seal",
    "decrypt_chunks",
    "encrypt_chunks",
    "import_certificate",
    "import_crl",
    "is_sealed",
    "key_record_bytes",
    "load_certificates",
    "load_keyring",
    "new_sm3",
    "reason_name",
    "revocation_of",
    "revoke_identity",
    "revoke_seal",
    "rewrap_text",
    "seal_crl_files",
    "seal_identities",
    "seal_key_files",
    "seal_revocation",
    "seal_root_files",
    "seal_text",
    "signing_crls",
    "signing_identities",
    "signing_key_files",
    "stale_crls",
    "stale_seal_crls",
    "trusted_roots",
    "tsa_identity",
    "unseal_text",
]
