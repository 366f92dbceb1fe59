"""A pyserial port whose bytes come from a Python producer (shared by ``sim://`` and ``replay://``).

Subclasses implement :meth:`_produce` (bytes due now), :meth:`_command` (a host line) and
:meth:`_open_url`. Reads follow pyserial's semantics: ``read(n)`` returns up to ``n`` bytes and waits
at most ``timeout`` seconds for them (``None`` = forever, ``0`` = never).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException


class ProducerSerial(SerialBase):
    """Base of the in-process URL ports."""

    is_open: bool
    """Set by :class:`SerialBase` (pyserial ships no types, so it is declared here)."""
    BAUDRATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000, 2000000)
    poll_s = 0.002

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._rx = bytearray()
        self._inbuf = b""
        self._lock = threading.Lock()
        super().__init__(*args, **kwargs)

    # -- hooks -----------------------------------------------------------------------------------
    def _open_url(self, url: str) -> None:
        raise NotImplementedError  # pragma: no cover - abstract

    def _produce(self) -> bytes:
        raise NotImplementedError  # pragma: no cover - abstract

    def _command(self, line: bytes) -> bytes:
        return b""

    # -- SerialBase ------------------------------------------------------------------------------
    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        self._open_url(self.portstr)
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def _reconfigure_port(self) -> None:
        pass

    def _fill(self) -> None:
        data = self._produce()
        if data:
            with self._lock:
                self._rx += data

    @property
    def in_waiting(self) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        self._fill()
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        if not self.is_open:
            raise PortNotOpenError()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while True:
            self._fill()
            with self._lock:
                if self._rx:
                    out = bytes(self._rx[:size])
                    del self._rx[:size]
                    return out
            if deadline is not None and time.monotonic() >= deadline:
                return b""
            time.sleep(self.poll_s)

    def write(self, data: bytes) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        self._inbuf += bytes(data)
        while b"\n" in self._inbuf:
            line, _, self._inbuf = self._inbuf.partition(b"\n")
            reply = self._command(line)
            if reply:
                with self._lock:
                    self._rx += reply
        return len(data)

    def reset_input_buffer(self) -> None:
        with self._lock:
            self._rx.clear()

    def reset_output_buffer(self) -> None:
        self._inbuf = b""

    def flush(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass
