"""The traffic split: the shared hash (vectors agreed with the Go and TypeScript clients), determinism,
proportion, and the switch."""

import unittest

from xiaozhi_mcp_service import ClientOptions, ServiceClient, in_traffic_split, split_bucket, uses_service


class SplitTest(unittest.TestCase):
    def test_shared_vectors(self):
        # first 8 bytes of SHA-256(UTF-8 id), big-endian, mod 10000: the same in every client
        self.assertEqual(split_bucket("AA:BB:CC:DD:EE:FF"), 717)
        self.assertEqual(split_bucket("device-1"), 4220)
        self.assertEqual(split_bucket(""), 1652)
        self.assertEqual(split_bucket("设备-1"), 3696)

    def test_deterministic(self):
        ids = [f"AA:BB:CC:{i:06X}" for i in range(1000)]
        first = [in_traffic_split(d, 30) for d in ids]
        self.assertEqual(first, [in_traffic_split(d, 30) for d in ids])

    def test_proportion_30_percent_of_10000_ids(self):
        inside = sum(in_traffic_split(f"device-{i}", 30) for i in range(10_000))
        self.assertLess(abs(inside - 3000), 200, inside)

    def test_raising_the_split_only_adds_devices(self):
        ids = [f"dev-{i}" for i in range(2000)]
        at10 = {d for d in ids if in_traffic_split(d, 10)}
        at50 = {d for d in ids if in_traffic_split(d, 50)}
        self.assertTrue(at10 <= at50)

    def test_bounds(self):
        self.assertTrue(all(in_traffic_split(f"d{i}", 100) for i in range(200)))
        self.assertFalse(any(in_traffic_split(f"d{i}", 0) for i in range(200)))

    def test_switch_overrides_split(self):
        self.assertFalse(uses_service("AA:BB:CC:DD:EE:FF", use_service=False, traffic_split=100))
        client = ServiceClient("http://127.0.0.1:1", "k", ClientOptions(use_service=True, traffic_split=7.18))
        self.assertTrue(client.uses_service("AA:BB:CC:DD:EE:FF"))  # bucket 717 < 718
        client.options.traffic_split = 7.17
        self.assertFalse(client.uses_service("AA:BB:CC:DD:EE:FF"))


if __name__ == "__main__":
    unittest.main()
