"""Device clock -> session clock: the lower-envelope fit against known drift, latency and jitter."""

from __future__ import annotations

import numpy as np

from devices.clockfit import ClockFitter


def _pairs(seed: int, slope: float, offset_ns: float, latency_ns: float, jitter_mean_ns: float, n: int = 30000, rate_hz: float = 500.0):
    rng = np.random.default_rng(seed)
    d_us = (np.arange(n) * (1e6 / rate_hz)).astype(np.int64) + 987_654
    jitter = rng.exponential(jitter_mean_ns, n)
    jitter[rng.random(n) < 0.02] += 40e6  # bursts of 40 ms late lines (a busy host)
    truth = offset_ns + slope * d_us * 1000.0 + latency_ns
    # lines arrive in order: a late line delays the ones behind it
    return d_us, np.maximum.accumulate(truth + jitter).astype(np.int64), truth


def test_fit_recovers_drift_and_offset_through_jitter() -> None:
    d_us, arrival, truth = _pairs(1, 1.00005, 7.5e12, 250_000, 3e6)
    f = ClockFitter("grip0")
    mapped = np.array([f.map(int(d), int(a)) for d, a in zip(d_us, arrival, strict=True)])
    fit = f.fit()
    assert abs(fit.slope - 1.00005) < 1e-6  # 1 ppm (crystals drift 10-100 ppm)
    # after the first seconds the mapped time is within 0.5 ms of the jitter-free truth (mean jitter 3 ms)
    err = mapped[5000:] - truth[5000:]
    assert np.percentile(np.abs(err), 99) < 0.5e6
    assert np.all(np.diff(mapped) > 0)  # monotonic
    assert np.all(mapped <= arrival + 1000)  # never later than the line's arrival (+1 ns per line sharing it)
    # the fit in the header reproduces the mapping: t = offset + slope * device_ns
    t_hdr = fit.offset_ns + fit.slope * d_us[-1] * 1000.0
    assert abs(t_hdr - f.predict(int(d_us[-1]))) < 1000
    assert fit.n == len(d_us) and fit.residual_ns < 1e6


def test_least_squares_on_all_pairs_would_be_biased_but_the_envelope_is_not() -> None:
    d_us, arrival, truth = _pairs(2, 1.0, 1e12, 100_000, 5e6)
    naive_offset = float(np.mean(arrival - d_us * 1000.0))
    f = ClockFitter("x")
    for d, a in zip(d_us, arrival, strict=True):
        f.add(int(d), int(a))
    assert abs((naive_offset + d_us[-1] * 1000.0) - truth[-1]) > 4e6  # the mean is ~5 ms late
    assert abs(f.predict(int(d_us[-1])) - truth[-1]) < 0.5e6


def test_reset_starts_over() -> None:
    f = ClockFitter("x")
    for i in range(2000):
        f.add(i * 1000, 10**9 + i * 1_000_000)
    f.reset()
    assert f.n == 0
    f.add(5, 123_456_789)
    assert f.predict(5) == 123_456_789
