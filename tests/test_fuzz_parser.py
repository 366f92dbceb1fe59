"""Fuzzing the serial line parsers: no exception escapes, and every input line is accounted for.

The accounting property (``devices.parser`` counts per *line*, not per byte):

* every byte is seen (``parser.bytes == len(stream)``);
* every non-blank line of the stream ends up in a parsed sample, a control message (hello, ack,
  error), a counted reject, or (``auto`` format only) the lines still held while detecting; a line
  is never silently dropped, and it is never counted more than once per ``$`` it holds (a ``$``
  inside a line starts a new line, so ``abc$D,...`` is one ``garbage`` reject plus one sample);
* every intact sample line (between two newlines, correct checksum) comes out as a sample with its
  own sequence number and values, whatever the chunking and whatever garbage surrounds it.

Streams are fed in arbitrary chunks, as ``read()`` returns them on a real port.
"""

from __future__ import annotations

import itertools

from _fuzz import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.parser import LineParser
from devices.protocol import MAX_LINE, checksum

HELLO = b"$H,msp=1,kind=grip,model=M,serial=S-1,fw=1,rate=1000,ch=force,unit=N"


def _framed(body: bytes) -> bytes:
    return b"$" + body + b"*%02X\n" % checksum(body)


def _sample(seq: int, t_us: int, value: float) -> bytes:
    return _framed(b"D,%d,%d,%.2f" % (seq, t_us, value))


def _chunks(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    return [stream[a:b] for a, b in itertools.pairwise(points)]


def _feed_all(p: LineParser, chunks: list[bytes]) -> list:  # type: ignore[type-arg]
    out = []
    for i, ch in enumerate(chunks):
        out.extend(p.feed(ch, i))
    out.extend(p.feed(b"\n", len(chunks)))  # end of stream: the last line is complete
    return out


def _nonblank_lines(stream: bytes) -> list[bytes]:
    return [ln for ln in (stream + b"\n").split(b"\n") if ln.strip()]


def _accounted(p: LineParser) -> int:
    return p.samples + len(p.control) + p.total_rejects + len(p._pending)


# Garbage never holds '*': it can then never form a line with a valid checksum by chance, so the
# samples that come out are exactly the intact lines (and corrupted lines that kept their checksum).
garbage = st.binary(min_size=1, max_size=80).map(lambda b: b.replace(b"*", b"#") + b"\n")
overlong = st.tuples(st.integers(MAX_LINE + 1, 3 * MAX_LINE), st.sampled_from([b"x", b"$", b"7", b","])).map(
    lambda t: (t[1] + b"y" * t[0]).replace(b"*", b"#") + b"\n")
segment = st.one_of(
    st.tuples(st.just("good"), st.floats(-500, 500, allow_nan=False), st.booleans()),
    st.tuples(st.just("corrupt"), st.integers(0, 40), st.integers(0, 255)),
    st.tuples(st.just("garbage"), garbage),
    st.tuples(st.just("overlong"), overlong),
    st.tuples(st.just("blank"), st.sampled_from([b"\n", b"\r\n", b"  \t\n"])),
    st.tuples(st.just("control"), st.sampled_from([HELLO, b"A,START", b"E,RATE,fixed", b"Q,what"])),
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments=st.lists(segment, max_size=60), cuts=st.lists(st.integers(0, 10**6), max_size=25))
def test_msp_every_line_is_a_sample_a_control_or_a_counted_reject(segments: list[tuple], cuts: list[int]) -> None:  # type: ignore[type-arg]
    parts: list[bytes] = []
    intact: dict[int, float] = {}
    seq = 0
    for seg in segments:
        kind = seg[0]
        if kind in ("good", "corrupt"):
            seq += 1
            value = seg[1] if kind == "good" else 1.25
            line = _sample(seq, seq * 1000, value)
            if kind == "good":
                intact[seq] = round(value, 2)
                if seg[2]:
                    line = line[:-1] + b"\r\n"
            else:
                i = seg[1] % (len(line) - 1)
                flipped = bytes([line[i] ^ (seg[2] or 1)]).replace(b"*", b"#")
                line = line[:i] + flipped + line[i + 1 :]
            parts.append(line)
        elif kind == "control":
            parts.append(_framed(seg[1]))
        else:
            parts.append(seg[1])
    stream = b"".join(parts)
    p = LineParser("msp", n_channels=1)
    out = _feed_all(p, _chunks(stream, cuts))

    assert p.bytes == len(stream) + 1
    n_lines = len(_nonblank_lines(stream))
    assert n_lines <= _accounted(p) <= n_lines + stream.count(b"$"), (p.samples, p.control, p.rejects)
    got = {s.seq: s.values for s in out}
    for k, v in intact.items():
        assert k in got, f"intact sample line seq={k} was lost; rejects: {dict(p.rejects)}"
        assert got[k] == (v,)
    assert set(got) <= set(range(1, seq + 1))  # nothing invented
    assert p.samples == len(out)


@settings(max_examples=examples(150), deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 10**6), max_size=20),
       fmt=st.sampled_from(["auto", "msp", "plain", "csv"]))
def test_random_bytes_never_raise_and_are_all_counted(data: bytes, cuts: list[int], fmt: str) -> None:
    p = LineParser(fmt)  # type: ignore[arg-type]
    out = _feed_all(p, _chunks(data, cuts))
    assert p.bytes == len(data) + 1
    assert p.samples == len(out)
    n_lines = len(_nonblank_lines(data))
    acc = _accounted(p)
    assert acc >= n_lines, f"{n_lines - acc} line(s) neither parsed nor counted ({fmt}): {dict(p.rejects)}"
    if fmt in ("plain", "csv"):  # no '$' resynchronisation: exactly one count per line
        assert acc == n_lines, (p.samples, dict(p.rejects))
    else:
        assert acc <= n_lines + data.count(b"$")


@settings(max_examples=examples(100), deadline=None)
@given(values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=40),
       noise=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=40),
       cuts=st.lists(st.integers(0, 10**6), max_size=20))
def test_plain_lines_between_garbage_are_all_parsed(values: list[float], noise: list[bytes], cuts: list[int]) -> None:
    """The 3-D-printed grip's format: a number per line. Garbage lines never hide a good one."""
    parts = []
    for i, v in enumerate(values):
        parts.append(b"N%.3f\n" % v)
        if i < len(noise) and noise[i].strip():
            parts.append(b"?" + noise[i] + b"\n")  # never a number: starts with '?'
    stream = b"".join(parts)
    p = LineParser("plain")
    out = _feed_all(p, _chunks(stream, cuts))
    assert [s.values[0] for s in out] == [round(v, 3) for v in values]
    assert p.total_rejects == sum(1 for i, nz in enumerate(noise) if i < len(values) and nz.strip())
