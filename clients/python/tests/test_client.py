"""The API against the running service: bind, list, execute, get session, unbind, device messages, error
codes with request ids, and timeouts."""

import re
import unittest

from xiaozhi_mcp_service import ServiceError

from .support import NEEDS_SERVICE, SERVICE_URL, poll, service_client, unique


@unittest.skipUnless(SERVICE_URL, NEEDS_SERVICE)
class ClientTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = service_client()
        self.sid = unique()
        self.device = "AA:BB:CC:DD:EE:01"

    async def asyncTearDown(self):
        await self.client.close()

    async def test_bind_list_execute_unbind(self):
        bound = await self.client.bind_session(
            self.sid, self.device, "client-1", "https://gw.example.com/mcp/vision/explain", "s3cret"
        )
        self.assertTrue(bound["success"])
        self.assertTrue(bound["created"])
        self.assertTrue(bound["session"]["has_token"])

        listing = await poll(lambda: self.client.get_tools(self.sid), lambda t: t.source("local") is not None)
        names = {t.name for t in listing.tools}
        self.assertIn("local_get_time", names)
        self.assertEqual(listing.source("device").status, "unavailable")
        tool = next(t for t in listing.tools if t.name == "local_get_time")
        self.assertEqual(tool.openai_function()["function"]["parameters"]["type"], "object")

        result = await self.client.execute_tool("local_get_time", {}, self.sid)
        self.assertTrue(result.success)
        self.assertEqual(result.action, "req_llm")
        self.assertIsInstance(result.result, str)
        self.assertEqual(result.via, "service")

        music = await self.client.execute_tool("local_play_music", {"song_name": "稻香"}, self.sid, device_id=self.device)
        self.assertEqual(music.action, "call_handler")
        self.assertEqual(music.handler_name, "mcp_handler_play_music")
        self.assertEqual(music.handler_args, "稻香")

        session = await self.client.get_session(self.sid)
        self.assertEqual(session["device_id"], self.device)
        self.assertEqual(session["device"]["relay"], "closed")
        self.assertNotIn("token", session)

        self.assertTrue(await self.client.unbind(self.sid))
        self.assertFalse(await self.client.unbind(self.sid))
        with self.assertRaises(ServiceError) as caught:
            await self.client.get_session(self.sid)
        self.assertEqual(caught.exception.code, "session_not_found")

    async def test_bind_again_updates(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        again = await self.client.bind_session(self.sid, self.device, "client-2")
        self.assertFalse(again["created"])
        self.assertEqual(again["session"]["client_id"], "client-2")

    async def test_unknown_session_carries_code_status_and_request_id(self):
        with self.assertRaises(ServiceError) as caught:
            await self.client.get_tools(unique("never-bound"))
        err = caught.exception
        self.assertEqual((err.code, err.status), ("session_not_found", 404))
        self.assertRegex(err.request_id, re.compile(r"^\S+$"))
        self.assertFalse(err.is_service_failure)
        self.assertEqual(self.client.breaker.state, "closed")

    async def test_unknown_tool(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        with self.assertRaises(ServiceError) as caught:
            await self.client.execute_tool("no_such_tool", {}, self.sid)
        self.assertEqual((caught.exception.code, caught.exception.status), ("tool_not_found", 404))

    async def test_bad_arguments_are_a_failed_execution(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        result = await self.client.execute_tool("local_exit", {}, self.sid)
        self.assertFalse(result.success)
        self.assertEqual(result.action, "error")
        self.assertEqual(result.error.code, "invalid_arguments")
        self.assertTrue(result.error.details)

    async def test_device_mismatch(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        with self.assertRaises(ServiceError) as caught:
            await self.client.execute_tool("local_get_time", {}, self.sid, device_id="FF:FF:FF:FF:FF:FF")
        self.assertEqual((caught.exception.code, caught.exception.status), ("device_mismatch", 409))

    async def test_invalid_request(self):
        with self.assertRaises(ServiceError) as caught:
            await self.client.bind_session(self.sid, self.device, "client-1", vision_url="not a url")
        self.assertEqual((caught.exception.code, caught.exception.status), ("invalid_request", 400))
        self.assertTrue(caught.exception.details)

    async def test_session_ids_with_reserved_characters(self):
        sid = f"device-AA:BB@{unique()}"
        await self.client.bind_session(sid, self.device, "client-1")
        self.assertEqual((await self.client.get_session(sid))["session_id"], sid)
        self.assertTrue(await self.client.unbind(sid))

    async def test_wrong_key(self):
        client = service_client()
        client.api_key = "not-a-valid-key"
        try:
            with self.assertRaises(ServiceError) as caught:
                await client.get_tools(self.sid)
            self.assertEqual((caught.exception.code, caught.exception.status), ("unauthorized", 401))
        finally:
            await client.close()

    async def test_device_notification_over_http(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        frame = {"type": "mcp", "payload": {"jsonrpc": "2.0", "method": "notifications/state_changed",
                                            "params": {"newState": "idle"}}}
        answer = await self.client.handle_xiaozhi_message(self.sid, frame)
        self.assertTrue(answer["success"])
        session = await self.client.get_session(self.sid)
        self.assertEqual(session["device"]["last_notification"]["method"], "notifications/state_changed")

    async def test_tiny_client_timeout(self):
        client = service_client(timeout_s=0.001, retries=0)
        try:
            with self.assertRaises(ServiceError) as caught:
                await client.get_tools(self.sid)
            self.assertEqual(caught.exception.code, "service_timeout")
            self.assertIsNone(caught.exception.status)
            self.assertTrue(caught.exception.request_id)
        finally:
            await client.close()

    async def test_execute_timeout_ms_out_of_range_is_refused(self):
        await self.client.bind_session(self.sid, self.device, "client-1")
        with self.assertRaises(ServiceError) as caught:
            await self.client.execute_tool("local_get_time", {}, self.sid, timeout_ms=5)
        self.assertEqual(caught.exception.code, "invalid_request")


if __name__ == "__main__":
    unittest.main()
