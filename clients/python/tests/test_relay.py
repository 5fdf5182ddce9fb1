"""The relay round trip with the simulated device: initialize and tools/list through the relay, device tools
listed and executed (argument coercion, device errors, device timeouts with timeout_ms), a replaced relay,
unbinding, and the device leaving."""

import asyncio
import json
import unittest

from xiaozhi_mcp_service import CLOSE_REPLACED, CLOSE_UNBOUND

from .device_simulator import DeviceSimulator
from .support import NEEDS_SERVICE, SERVICE_URL, poll, service_client, unique

DEVICE = "AA:BB:CC:DD:EE:02"


@unittest.skipUnless(SERVICE_URL, NEEDS_SERVICE)
class RelayTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = service_client()
        self.sid = unique("relay")
        await self.client.bind_session(self.sid, DEVICE, "client-1", "http://gw.example.com/mcp/vision/explain", "secret")
        self.device = DeviceSimulator()
        self.relay = await self.client.relay(self.sid, self.device.receive).open()
        self.device.connect(self.relay.forward)

    async def asyncTearDown(self):
        await self.client.unbind(self.sid)  # closes the relay from the service's side, at once
        await self.relay.close()
        await self.client.close()

    async def device_tools(self):
        return await poll(
            lambda: self.client.get_tools(self.sid), lambda t: t.source("device").status == "ok", timeout_s=15
        )

    async def test_round_trip(self):
        listing = await self.device_tools()
        device_tools = {t.name: t for t in listing.tools if t.source == "device"}
        self.assertEqual(
            set(device_tools), {"self_get_device_status", "self_audio_speaker_set_volume", "self_screen_set_theme"}
        )
        self.assertEqual(device_tools["self_audio_speaker_set_volume"].original_name, "self.audio_speaker.set_volume")
        init = self.device.requests("initialize")[0]
        self.assertEqual(init["params"]["capabilities"]["vision"]["url"], "http://gw.example.com/mcp/vision/explain")
        self.assertTrue(self.device.vision["token"])

        result = await self.client.execute_tool("self_audio_speaker_set_volume", {"volume": "40"}, self.sid)
        self.assertEqual((result.success, result.action, result.result), (True, "req_llm", "true"))
        self.assertEqual(self.device.volume, 40)
        call = self.device.requests("tools/call")[-1]
        self.assertEqual(call["params"], {"name": "self.audio_speaker.set_volume", "arguments": {"volume": 40}})

        status = await self.client.execute_tool("self_get_device_status", {}, self.sid)
        self.assertEqual(json.loads(status.result)["audio_speaker"]["volume"], 40)

        # Arguments outside the tool's schema are refused by the service, naming the field; the device never sees them.
        calls_before = len(self.device.requests("tools/call"))
        too_loud = await self.client.execute_tool("self_audio_speaker_set_volume", {"volume": 150}, self.sid)
        self.assertFalse(too_loud.success)
        self.assertEqual(too_loud.error.code, "invalid_arguments")
        self.assertIn("arguments.volume", too_loud.error.message)
        self.assertEqual(len(self.device.requests("tools/call")), calls_before)

        session = await self.client.get_session(self.sid)
        self.assertEqual(session["device"]["relay"], "open")
        self.assertGreater(self.relay.frames_to_service, 0)
        self.assertGreater(self.relay.frames_to_device, 0)

    async def test_device_timeout_passes_timeout_ms_through(self):
        await self.device_tools()
        self.device.hold_calls = True
        started = asyncio.get_running_loop().time()
        result = await self.client.execute_tool("self_get_device_status", {}, self.sid, timeout_ms=300)
        self.assertEqual((result.success, result.error.code), (False, "device_timeout"))
        self.assertLess(asyncio.get_running_loop().time() - started, 5)

    async def test_device_notification_over_the_relay(self):
        await self.device_tools()
        await self.device.notify("notifications/state_changed", {"newState": "speaking"})
        session = await poll(
            lambda: self.client.get_session(self.sid), lambda s: s["device"]["last_notification"] is not None
        )
        self.assertEqual(session["device"]["last_notification"]["params"], {"newState": "speaking"})

    async def test_the_device_leaves(self):
        await self.device_tools()
        await self.relay.close()
        listing = await poll(
            lambda: self.client.get_tools(self.sid), lambda t: t.source("device").status == "unavailable"
        )
        self.assertEqual(listing.source("device").status, "unavailable")
        result = await self.client.execute_tool("self_get_device_status", {}, self.sid)
        self.assertEqual(result.error.code, "device_unavailable")

    async def test_a_new_relay_replaces_the_old(self):
        await self.device_tools()
        closed = asyncio.get_running_loop().create_future()
        self.relay.on_close = lambda code, reason: closed.set_result(code)
        second_device = DeviceSimulator()
        second = await self.client.relay(self.sid, second_device.receive).open()
        second_device.connect(second.forward)
        try:
            self.assertEqual(await asyncio.wait_for(closed, 10), CLOSE_REPLACED)
            self.assertFalse(self.relay.is_open)
            await poll(lambda: self.client.get_tools(self.sid), lambda t: t.source("device").status == "ok")
            self.assertTrue(second_device.requests("initialize"))
        finally:
            await second.close()

    async def test_unbinding_closes_the_relay(self):
        await self.device_tools()
        await self.client.unbind(self.sid)
        await asyncio.wait_for(self.relay.wait_closed(), 10)
        self.assertEqual(self.relay.close_code, CLOSE_UNBOUND)


if __name__ == "__main__":
    unittest.main()
