"""The columnar block payload: a few numpy columns, transformed losslessly and compressed with zstd.

Format ``mscol/1`` (the ``codec`` column of a block row names it)
-----------------------------------------------------------------
``payload = uint32 LE raw_size || zstd(body)``, where ``body`` is::

    uint32 LE header_size || header (JSON, UTF-8) || column buffers, one after the other

The header is ``{"n": rows, "cols": [{"name", "dtype", "shape", "enc", "nbytes", ...}]}``. Each
column's buffer is its transformed array with its bytes *shuffled* (byte 0 of every element, then
byte 1, ...), so the slowly changing high bytes sit together and compress well. Transforms (``enc``):

``raw``
    the values as they are.
``delta``
    integers: the first value, then differences along the rows (wrap-around int64 arithmetic, so
    the cumulative sum restores every value exactly).
``dec``
    float64 that are exactly ``integer / 10**k`` (a device prints ``12.34``): stored as the
    delta-coded integers and ``k``; used only when dividing them back gives the very same bits for
    every value, else ``raw``.
``xor``
    float32 rows of equal length (landmarks): each row's bits XOR the previous row's.
``dict``
    strings (or ``None``): a list of distinct values in the header and an int32 index per row
    (-1 = ``None``).

Nothing is rounded: every transform is verified or exact by construction, and
:func:`decode_columns` returns arrays equal bit for bit to those given to :func:`encode_columns`.
The compression comes from the layout (columns, deltas, shuffled bytes), not from precision.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np
import pyarrow as pa

CODEC = "mscol/1"
"""Name and version of the payload format written by :func:`encode_columns`."""

ZSTD_LEVEL = 3

_zstd = pa.Codec("zstd", compression_level=ZSTD_LEVEL)


class PayloadError(ValueError):
    """A block payload that does not decode (damaged bytes or an unknown format)."""


def checksum(payload: bytes) -> int:
    """CRC-32 of a payload (stored beside it, checked before decoding)."""
    return zlib.crc32(payload)


def _shuffle(a: np.ndarray) -> bytes:
    a = np.ascontiguousarray(a)
    size = a.dtype.itemsize
    if size == 1 or a.size == 0:
        return a.tobytes()
    return a.view(np.uint8).reshape(-1, size).T.tobytes()


def _unshuffle(buf: bytes, dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray:
    size = dtype.itemsize
    n = int(np.prod(shape)) if shape else 1
    raw = np.frombuffer(buf, dtype=np.uint8)
    if size > 1 and n:
        raw = raw.reshape(size, n).T.copy()
    return raw.view(dtype).reshape(shape)


def _dec_scale(v: np.ndarray) -> tuple[int, np.ndarray] | None:
    """``(k, ints)`` with ``ints / 10**k`` bit-identical to ``v`` (float64), or ``None``."""
    if v.size == 0 or not np.all(np.isfinite(v)) or np.max(np.abs(v)) >= 2**52 / 1e6:
        return None
    for k in range(7):
        ints = np.round(v * 10.0**k).astype(np.int64)
        back = ints / 10.0**k  # -0.0 does not survive this, so it never passes: raw
        if np.array_equal(back.view(np.uint64), v.view(np.uint64)):
            return k, ints
    return None


def _delta(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.int64, copy=False)
    out = a.copy()
    if len(a) > 1:
        out[1:] = a[1:] - a[:-1]  # wraps on overflow; cumsum wraps back
    return out


def encode_columns(cols: dict[str, Any], meta: dict[str, Any] | None = None) -> bytes:
    """Encode equally long columns (numpy arrays, or lists of ``str | None``) into one payload;
    ``meta`` (small JSON data) rides in the header and comes back as ``"__meta__"``."""
    n = None
    header: list[dict[str, Any]] = []
    bufs: list[bytes] = []
    for name, col in cols.items():
        if isinstance(col, list):  # strings
            values = sorted({c for c in col if c is not None})
            index = {v: i for i, v in enumerate(values)}
            a: np.ndarray = np.array([-1 if c is None else index[c] for c in col], dtype=np.int32)
            spec: dict[str, Any] = {"enc": "dict", "values": values}
        else:
            a = np.asarray(col)
            if a.dtype == np.int64 and a.ndim == 1:
                spec, a = {"enc": "delta"}, _delta(a)
            elif a.dtype == np.float64 and a.ndim == 1 and (d := _dec_scale(a)) is not None:
                spec, a = {"enc": "dec", "k": d[0]}, _delta(d[1])
            elif a.dtype == np.float32 and a.ndim == 2 and len(a) > 1:
                bits = np.ascontiguousarray(a).view(np.uint32)
                x = bits.copy()
                x[1:] ^= bits[:-1]
                spec, a = {"enc": "xor"}, x
            else:
                spec = {"enc": "raw"}
        if n is None:
            n = len(a)
        elif len(a) != n:
            raise ValueError(f"column {name} has {len(a)} rows, not {n}")
        dtype = np.asarray(col).dtype.str if not isinstance(col, list) else "<i4"
        buf = _shuffle(a)
        header.append({"name": name, "dtype": dtype, "stored": a.dtype.str, "shape": list(a.shape), "nbytes": len(buf), **spec})
        bufs.append(buf)
    head = json.dumps({"n": n or 0, "cols": header, **({"meta": meta} if meta else {})}, separators=(",", ":")).encode()
    body = struct.pack("<I", len(head)) + head + b"".join(bufs)
    return struct.pack("<I", len(body)) + _zstd.compress(body, asbytes=True)


def decode_columns(payload: bytes) -> dict[str, Any]:
    """Inverse of :func:`encode_columns` (string columns come back as lists); :class:`PayloadError` when damaged."""
    try:
        (size,) = struct.unpack_from("<I", payload, 0)
        body = _zstd.decompress(payload[4:], decompressed_size=size, asbytes=True)
        (hsize,) = struct.unpack_from("<I", body, 0)
        header = json.loads(body[4 : 4 + hsize])
        pos = 4 + hsize
        out: dict[str, Any] = {"__meta__": header["meta"]} if "meta" in header else {}
        for c in header["cols"]:
            buf = body[pos : pos + c["nbytes"]]
            pos += c["nbytes"]
            a = _unshuffle(buf, np.dtype(c["stored"]), tuple(c["shape"]))
            enc = c["enc"]
            if enc == "dict":
                vals = c["values"]
                out[c["name"]] = [None if i < 0 else vals[i] for i in a.tolist()]
                continue
            if enc in ("delta", "dec"):
                a = np.cumsum(a, dtype=np.int64)
            if enc == "dec":
                a = a / 10.0 ** c["k"]
            elif enc == "xor":
                a = np.bitwise_xor.accumulate(a, axis=0).view(np.float32)
            out[c["name"]] = a.astype(np.dtype(c["dtype"]), copy=False)
        if pos != len(body):
            raise PayloadError("trailing bytes")
        return out
    except PayloadError:
        raise
    except (struct.error, ValueError, KeyError, TypeError, IndexError, OSError, pa.ArrowException) as exc:
        raise PayloadError(str(exc) or type(exc).__name__) from None
