"""A small, thread-safe publish/subscribe bus.

Producers (capture, tracker and serial reader threads) publish messages; consumers subscribe by
message type. Delivery is synchronous in the publisher's thread, so a subscriber must be quick: the
usual subscriber puts the message into a bounded queue or ring buffer and returns. A subscriber that
raises is logged and counted (:attr:`EventBus.errors`); it never breaks the publisher.

Dispatch follows the message's class hierarchy: subscribing to ``object`` receives everything.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Subscription:
    """Handle returned by :meth:`EventBus.subscribe`; ``close()`` (or ``with``) unsubscribes."""

    def __init__(self, bus: EventBus, topic: type, callback: Callable[[Any], None]) -> None:
        self._bus = bus
        self.topic = topic
        self.callback = callback

    def close(self) -> None:
        self._bus._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BoundedQueue(Generic[T]):
    """A bounded FIFO that never blocks the producer: when full, the *oldest* item is dropped and
    counted in :attr:`dropped`."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._q: queue.Queue[T] = queue.Queue(maxsize)
        self.dropped = 0
        self._lock = threading.Lock()

    def put(self, item: T) -> None:
        with self._lock:
            while True:
                try:
                    self._q.put_nowait(item)
                    return
                except queue.Full:
                    try:
                        self._q.get_nowait()
                        self.dropped += 1
                    except queue.Empty:  # pragma: no cover - consumer raced us
                        pass

    def get(self, timeout: float | None = None) -> T:
        """Next item; raises :class:`queue.Empty` after ``timeout`` seconds."""
        return self._q.get(timeout=timeout)

    def drain(self) -> list[T]:
        """All items queued now, oldest first, without blocking."""
        out: list[T] = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out

    def __len__(self) -> int:
        return self._q.qsize()


class EventBus:
    """Typed publish/subscribe, safe to use from any thread."""

    def __init__(self) -> None:
        self._subs: dict[type, list[Subscription]] = {}
        self._lock = threading.Lock()
        self._cache: dict[type, tuple[Subscription, ...]] = {}
        self.errors = 0

    def subscribe(self, topic: type[T], callback: Callable[[T], None]) -> Subscription:
        """Call ``callback(msg)`` for every published ``msg`` that is an instance of ``topic``."""
        sub = Subscription(self, topic, callback)
        with self._lock:
            self._subs.setdefault(topic, []).append(sub)
            self._cache.clear()
        return sub

    def subscribe_queue(self, topic: type[T], maxsize: int = 1024) -> tuple[Subscription, BoundedQueue[T]]:
        """Subscribe a :class:`BoundedQueue` (oldest dropped when full) and return both."""
        q: BoundedQueue[T] = BoundedQueue(maxsize)
        return self.subscribe(topic, q.put), q

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.topic, [])
            if sub in subs:
                subs.remove(sub)
            self._cache.clear()

    def _targets(self, cls: type) -> tuple[Subscription, ...]:
        with self._lock:
            hit = self._cache.get(cls)
            if hit is None:
                hit = tuple(s for base in cls.__mro__ for s in self._subs.get(base, ()))
                self._cache[cls] = hit
            return hit

    def publish(self, msg: object) -> None:
        """Deliver ``msg`` to every matching subscriber, in subscription order per class."""
        for sub in self._targets(type(msg)):
            try:
                sub.callback(msg)
            except Exception:
                self.errors += 1
                log.exception("subscriber %r failed on %s", sub.callback, type(msg).__name__)
