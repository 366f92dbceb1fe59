"""Each station's own Ed25519 key pair, and signed JSON documents (home plans, pairings, practice bundles).

The private key lives in the station's data directory (``keys/station_ed25519.pem``, mode 0600, created
on first use); it never leaves the machine. A station is named by its **key id**: the first 32 hex digits
of the SHA-256 of its raw 32-byte public key. Signatures are Ed25519 (``cryptography``) over the
**canonical JSON** of a document's body (UTF-8, keys sorted, no spaces), so any change to the body,
however small, breaks the signature.

A signed document is ``{"format": F, "version": 1, "body": {...}, "key_id": K, "signature": base64}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.core import InputError

log = logging.getLogger(__name__)

KEY_FILE = "station_ed25519.pem"


def canonical(body: Any) -> bytes:
    """The bytes that are signed: canonical JSON (sorted keys, no spaces, UTF-8)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:32]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise InputError(f"{what} is not valid base64", fix="the file was altered or is not a Motor Station file") from None


@dataclass(frozen=True)
class StationKey:
    """The station's own key pair."""

    private: Any
    public_raw: bytes

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    @property
    def public_b64(self) -> str:
        return b64(self.public_raw)

    def sign(self, body: Any) -> str:
        return b64(self.private.sign(canonical(body)))

    def signed(self, fmt: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"format": fmt, "version": 1, "body": body, "key_id": self.key_id, "signature": self.sign(body)}


def station_key(data_dir: Path) -> StationKey:
    """The station's key pair, created (mode 0600) in ``data_dir/keys`` on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = data_dir / "keys"
    path = folder / KEY_FILE
    if path.exists():
        try:
            priv = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise InputError("the station's key file is damaged", where=str(path),
                             fix=f"restore it from a backup (a new key needs re-pairing with the clinic): {exc}") from None
        if not isinstance(priv, Ed25519PrivateKey):
            raise InputError("the station's key file holds no Ed25519 key", where=str(path), fix="restore it from a backup")
    else:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        priv = Ed25519PrivateKey.generate()
        pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        log.info("created the station's key pair in %s", path)
    raw = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return StationKey(priv, raw)


def verify(public_raw: bytes, signature_b64: str, body: Any) -> bool:
    """Whether ``signature_b64`` is ``public_raw``'s Ed25519 signature of ``body``'s canonical JSON."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        pub = Ed25519PublicKey.from_public_bytes(public_raw)
        pub.verify(unb64(signature_b64, "the signature"), canonical(body))
    except (InvalidSignature, ValueError, InputError):
        return False
    return True


def read_signed(path: Path, fmt: str, what: str) -> dict[str, Any]:
    """Load a signed document of format ``fmt`` (structure checked; the signature is the caller's)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}", where=str(path), fix=exc.strerror or "check the path") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"the {what} is not a Motor Station file (no JSON)", where=str(path),
                         fix="give the file the other station wrote, unaltered") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise InputError(f"the file is not a {what}", where=str(path), fix=f"expected format '{fmt}'")
    if doc.get("version") != 1:
        raise InputError(f"unsupported {what} version {doc.get('version')!r}", where=str(path), fix="update Motor Station")
    if not isinstance(doc.get("body"), dict) or not isinstance(doc.get("signature"), str) or not isinstance(doc.get("key_id"), str):
        raise InputError(f"the {what} is incomplete (body, key_id or signature missing)", where=str(path),
                         fix="the file was altered; ask for a new one")
    return doc


def write_json(path: Path, doc: dict[str, Any], overwrite: bool = False) -> Path:
    """Write ``doc`` as JSON, owner-only; never over an existing file unless ``overwrite``."""
    if path.exists() and not overwrite:
        raise InputError("the output file exists", where=str(path), fix="choose another --out or remove the file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError("cannot write the file", where=str(path), fix=exc.strerror or "check the folder") from None
    return path
