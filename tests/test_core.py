"""The kernel: clock, bus, ring buffer, messages."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from station.core import EventBus, FakeClock, HandObservation, ScoreEvent, SystemClock
from station.core.bus import BoundedQueue
from station.core.clock import MonotonicGuard, MonotonicMs, to_utc
from station.core.ring import RingBuffer


def test_fake_clock_moves_only_forward() -> None:
    c = FakeClock(start_ns=100)
    assert c.now_ns() == 100
    assert c.advance(50) == 150
    c.sleep_until(1_000)
    assert c.now_ns() == 1_000
    c.sleep_until(10)  # in the past: no effect
    assert c.now_ns() == 1_000
    with pytest.raises(ValueError):
        c.advance(-1)
    with pytest.raises(ValueError):
        c.set(5)


def test_anchor_maps_clock_to_utc() -> None:
    utc0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    c = FakeClock(start_ns=5_000, utc_start=utc0)
    c.advance(2_500_000_000)
    utc, t = c.anchor()
    assert t == 2_500_005_000
    assert utc == utc0 + timedelta(seconds=2.5)
    assert to_utc(t + 1_000_000_000, utc, t) == utc + timedelta(seconds=1)


def test_system_clock_is_monotonic_and_anchor_is_close_to_now() -> None:
    c = SystemClock()
    ts = [c.now_ns() for _ in range(1000)]
    assert all(b >= a for a, b in itertools.pairwise(ts))
    utc, _ = c.anchor()
    assert abs((datetime.now(UTC) - utc).total_seconds()) < 1


def test_monotonic_ms_bumps_equal_milliseconds() -> None:
    m = MonotonicMs()
    assert [m(t) for t in (1_000_000, 1_200_000, 1_900_000, 5_000_000, 4_000_000)] == [1, 2, 3, 5, 6]
    assert m.bumps == 3


def test_monotonic_guard_counts_violations() -> None:
    g = MonotonicGuard()
    assert [g.accept(t) for t in (1, 2, 2, 1, 3)] == [True, True, False, False, True]
    assert g.violations == 2


def test_bus_dispatches_by_type_and_isolates_failing_subscribers() -> None:
    bus = EventBus()
    got: list[object] = []
    everything: list[object] = []
    bus.subscribe(ScoreEvent, got.append)
    bus.subscribe(object, everything.append)

    def boom(_: object) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(ScoreEvent, boom)
    ev = ScoreEvent(1, "jumps", 0, 1, "jump")
    bus.publish(ev)
    bus.publish("a string")
    assert got == [ev]
    assert everything == [ev, "a string"]
    assert bus.errors == 1


def test_bus_unsubscribe_and_queue_subscription_drop_oldest() -> None:
    bus = EventBus()
    sub, q = bus.subscribe_queue(int, maxsize=3)
    for i in range(5):
        bus.publish(i)
    assert q.drain() == [2, 3, 4]
    assert q.dropped == 2
    sub.close()
    bus.publish(9)
    assert len(q) == 0


def test_bus_is_thread_safe() -> None:
    bus = EventBus()
    counter: list[int] = []
    lock = threading.Lock()

    def add(x: int) -> None:
        with lock:
            counter.append(x)

    bus.subscribe(int, add)
    threads = [threading.Thread(target=lambda: [bus.publish(1) for _ in range(2000)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counter) == 8000


def test_bounded_queue_rejects_zero_size() -> None:
    with pytest.raises(ValueError):
        BoundedQueue(0)


def test_ring_buffer_keeps_last_rows_in_order() -> None:
    r = RingBuffer(4, width=2)
    assert r.latest() is None
    for i in range(10):
        r.append(i, float(i), float(-i))
    t, v = r.snapshot()
    assert t.tolist() == [6, 7, 8, 9]
    assert v[:, 0].tolist() == [6, 7, 8, 9]
    assert r.total == 10 and len(r) == 4
    latest = r.latest()
    assert latest is not None and latest[0] == 9
    with pytest.raises(ValueError):
        r.append(1, 1.0)


def test_observation_pixels() -> None:
    lm = np.zeros((21, 3), dtype=np.float32)
    lm[8] = (0.5, 0.25, 0)
    obs = HandObservation("cam", 0, 0, lm, (640, 480))
    assert obs.xy_px()[8].tolist() == [320.0, 120.0]
