"""Ctrl-C during a run: recorded as well as raised, so that none is lost."""

from __future__ import annotations

import signal
import threading

__all__ = ["CtrlC"]


class CtrlC:
    """Ctrl-C that is never lost.

    Python drops an exception raised inside a ctypes callback, and
    threadpoolctl walks the loaded libraries through one each time it limits
    threads: a Ctrl-C that lands there would vanish and the run go on. While
    the run lasts (in the main thread, where Ctrl-C would raise anyway), the
    press is also recorded, and :meth:`check`, called after every stored cell,
    raises it again.
    """

    def __enter__(self) -> CtrlC:
        self.pressed = False
        self.previous = None
        in_main = threading.current_thread() is threading.main_thread()
        if in_main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed."""
        if self.pressed:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
