"""The circuit breaker's transitions, on an injected clock."""

import unittest

from xiaozhi_mcp_service.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class BreakerTest(unittest.TestCase):
    def setUp(self):
        self.now = 0.0
        self.breaker = CircuitBreaker(failure_threshold=3, reset_after_s=10, clock=lambda: self.now)

    def fail(self, times):
        for _ in range(times):
            self.assertTrue(self.breaker.allow())
            self.breaker.record_failure()

    def test_opens_after_consecutive_failures(self):
        self.fail(2)
        self.assertEqual(self.breaker.state, CLOSED)
        self.fail(1)
        self.assertEqual(self.breaker.state, OPEN)
        self.assertFalse(self.breaker.allow())

    def test_success_resets_the_count(self):
        self.fail(2)
        self.breaker.record_success()
        self.fail(2)
        self.assertEqual(self.breaker.state, CLOSED)

    def test_half_open_lets_one_trial_through(self):
        self.fail(3)
        self.now = 10
        self.assertEqual(self.breaker.state, HALF_OPEN)
        self.assertTrue(self.breaker.allow())
        self.assertFalse(self.breaker.allow())
        self.breaker.record_success()
        self.assertEqual(self.breaker.state, CLOSED)

    def test_failed_trial_reopens(self):
        self.fail(3)
        self.now = 10
        self.assertTrue(self.breaker.allow())
        self.breaker.record_failure()
        self.assertEqual(self.breaker.state, OPEN)
        self.now = 19
        self.assertFalse(self.breaker.allow())
        self.now = 20
        self.assertTrue(self.breaker.allow())


if __name__ == "__main__":
    unittest.main()
