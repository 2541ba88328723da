"""A wall-clock limit for SymPy calls that can run away (integrate, simplify).

A step that runs out of time decides nothing: the caller treats it as "not shown".
Works in the main thread of a process (where the runner's workers call it); elsewhere
the limit is not enforced.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class OutOfTime(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum, _frame):
        raise OutOfTime(f"gave up after {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
