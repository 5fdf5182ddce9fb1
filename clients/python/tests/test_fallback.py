"""The service down (a closed port): fallback hook, retries only for idempotent calls, the breaker, and the
rollout sending devices down the gateway's path without a call."""

import unittest

from xiaozhi_mcp_service import ClientOptions, ExecutionResult, ServiceClient, ServiceError

from .support import closed_port_url


class FallbackTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.calls = []

        async def manager(tool_name, arguments, session_id, error):
            self.calls.append((tool_name, arguments, session_id, error))
            return ExecutionResult(success=True, action="req_llm", result="from the gateway's own manager")

        self.manager = manager
        self.client = ServiceClient(
            closed_port_url(), "k", ClientOptions(fallback_hook=manager, backoff_base_s=0.01, breaker_failures=50)
        )

    async def asyncTearDown(self):
        await self.client.close()

    async def test_execute_falls_back_and_says_so(self):
        with self.assertLogs("xiaozhi_mcp_service", "WARNING") as logs:
            result = await self.client.execute_tool("mcp_weather", {"city": "杭州"}, "s1")
        self.assertEqual(result.via, "fallback")
        self.assertEqual(result.result, "from the gateway's own manager")
        self.assertEqual(result.fallback_error.code, "service_unavailable")
        self.assertTrue(result.request_id)
        self.assertEqual(self.calls[0][:3], ("mcp_weather", {"city": "杭州"}, "s1"))
        self.assertIn("fallback", logs.output[0])

    async def test_hook_answer_of_another_type_passes_through(self):
        native = object()

        async def manager(*_args):
            return native

        result = await self.client.execute_tool("mcp_weather", {}, "s1", fallback_hook=manager)
        self.assertIs(result.native, native)

    async def test_without_fallback_the_failure_is_raised(self):
        self.client.options.fallback = False
        with self.assertRaises(ServiceError) as caught:
            await self.client.execute_tool("mcp_weather", {}, "s1")
        self.assertEqual(caught.exception.code, "service_unavailable")
        self.assertEqual(self.calls, [])

    async def test_execute_is_never_retried_idempotent_calls_are(self):
        await self.client.execute_tool("mcp_weather", {}, "s1")
        self.assertEqual(self.client.breaker._failures, 1)
        with self.assertRaises(ServiceError):
            await self.client.bind_session("s1", "AA:BB:CC:DD:EE:FF", "c1")
        self.assertEqual(self.client.breaker._failures, 1 + 3)  # 1 + options.retries (2)
        for call in (self.client.get_tools("s1"), self.client.get_session("s1")):
            with self.assertRaises(ServiceError):
                await call
        self.assertEqual(self.client.breaker._failures, 4 + 3 + 3)

    async def test_breaker_opens_and_fails_fast(self):
        client = ServiceClient(closed_port_url(), "k", ClientOptions(retries=0, breaker_failures=3, breaker_reset_s=60))
        try:
            for _ in range(3):
                with self.assertRaises(ServiceError) as caught:
                    await client.get_tools("s1")
                self.assertEqual(caught.exception.code, "service_unavailable")
            with self.assertRaises(ServiceError) as caught:
                await client.get_tools("s1")
            self.assertEqual(caught.exception.code, "circuit_open")
            # an open circuit still falls back on execute
            result = await client.execute_tool("mcp_weather", {}, "s1", fallback_hook=self.manager)
            self.assertEqual((result.via, result.fallback_error.code), ("fallback", "circuit_open"))
        finally:
            await client.close()

    async def test_devices_outside_the_split_use_the_gateway_without_a_call(self):
        self.client.options.traffic_split = 7.17  # AA:BB:CC:DD:EE:FF is bucket 717: outside
        result = await self.client.execute_tool("mcp_weather", {}, "s1", device_id="AA:BB:CC:DD:EE:FF")
        self.assertEqual(result.via, "gateway")
        self.assertIsNone(self.calls[0][3])
        self.assertEqual(self.client.breaker._failures, 0)

    async def test_switch_off_uses_the_gateway(self):
        self.client.options.use_service = False
        result = await self.client.execute_tool("mcp_weather", {}, "s1", device_id="any")
        self.assertEqual(result.via, "gateway")


if __name__ == "__main__":
    unittest.main()
