"""A circuit breaker over the service: after ``failure_threshold`` consecutive service failures the circuit
opens and calls fail at once (``circuit_open``) for ``reset_after_s``; then one trial call is let through
(half-open): its success closes the circuit, its failure opens it again.

States and transitions::

    closed --(threshold consecutive failures)--> open --(reset_after_s elapsed)--> half_open
    half_open --(trial succeeds)--> closed        half_open --(trial fails)--> open

Only service failures count (no answer, timeout, 5xx): a 4xx answer is a healthy service saying no.
"""

from __future__ import annotations

import time
from typing import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker; ``clock`` is injectable for tests (seconds, monotonic)."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open`` (an open circuit whose pause is over reads ``half_open``)."""
        if self._state == OPEN and self._clock() - self._opened_at >= self.reset_after_s:
            return HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """May a call go out now? In half-open, only one trial at a time."""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and not self._trial_in_flight:
            self._state = HALF_OPEN
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._state = CLOSED
        self._failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self._failures += 1
        if self._state == HALF_OPEN or self._failures >= self.failure_threshold:
            self._state = OPEN
            self._opened_at = self._clock()

    def record_neutral(self) -> None:
        """A call that ended without saying anything about the service's health (e.g. cancelled)."""
        self._trial_in_flight = False
