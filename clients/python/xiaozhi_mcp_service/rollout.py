"""The seed's rollout controls: the switch (``use_service``) and the traffic split.

A device is in the split when ``bucket(device_id) < percent * 100``, where ``bucket`` is the first 8 bytes of
SHA-256 of the UTF-8 device id read as a big-endian unsigned integer, modulo 10000. The Go and TypeScript
clients use the same hash, so a device takes the same path whichever gateway serves it, and never flips
between paths while the percentage stays put (raising the percentage only adds devices).
"""

from __future__ import annotations

import hashlib

#: Buckets a device id falls into (0 … 9999): a split is settable to 0.01 %.
SPLIT_BUCKETS = 10_000


def split_bucket(device_id: str) -> int:
    """The device's stable bucket, 0 … 9999."""
    digest = hashlib.sha256(device_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % SPLIT_BUCKETS


def in_traffic_split(device_id: str, percent: float) -> bool:
    """True when the device belongs to the ``percent`` (0 … 100) of devices that use the service."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    return split_bucket(device_id) < percent * 100


def uses_service(device_id: str, *, use_service: bool, traffic_split: float) -> bool:
    """The switch and the split together: does this device's session go through the service?"""
    return use_service and in_traffic_split(device_id, traffic_split)
