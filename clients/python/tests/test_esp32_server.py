"""The xiaozhi-esp32-server adapter: the ExecutionResult → ActionResponse mapping (call_handler by name,
take_photo's vision answer, errors, fallback passthrough), and ServiceConnection against the running service
with the simulated device, as the gateway's connection would use it."""

import json
import unittest

from xiaozhi_mcp_service import ExecutionResult, ServiceError, ToolError
from xiaozhi_mcp_service.esp32_server import ServiceConnection, to_action_response

from .device_simulator import DeviceSimulator
from .support import GATEWAY_TYPES, NEEDS_SERVICE, SERVICE_URL, Action, ActionResponse, poll, service_client, unique


class FakeConn:
    """The bits of the gateway's ConnectionHandler the default handlers touch."""

    def __init__(self):
        self.prompt = None

    def change_system_prompt(self, prompt):
        self.prompt = prompt


def mapped(result, **kw):
    return to_action_response(result, action_types=GATEWAY_TYPES, **kw)


class MappingTest(unittest.IsolatedAsyncioTestCase):
    async def test_req_llm_response_none(self):
        r = await mapped(ExecutionResult(True, "req_llm", result="当前时间是…"))
        self.assertEqual((r.action, r.result), (Action.REQLLM, "当前时间是…"))
        r = await mapped(ExecutionResult(True, "req_llm", result={"a": 1}))
        self.assertEqual(r.result, '{"a": 1}')
        r = await mapped(ExecutionResult(True, "response", response="好的"))
        self.assertEqual((r.action, r.response), (Action.RESPONSE, "好的"))
        r = await mapped(ExecutionResult(True, "none"))
        self.assertEqual(r.action, Action.NONE)

    async def test_error_spoken_or_sent_to_the_llm(self):
        failed = ExecutionResult(False, "error", error=ToolError("device_timeout", "the device did not answer"))
        r = await mapped(failed)
        self.assertEqual((r.action, r.response), (Action.ERROR, "the device did not answer"))
        r = await mapped(failed, errors_to_llm=True)
        self.assertEqual(r.action, Action.REQLLM)
        self.assertIn("device_timeout", r.result)

    async def test_call_handler_by_name(self):
        seen = []

        def play(conn, args, types):
            seen.append((conn, args))
            action, response = types
            return response(action=action.RECORD, result="指令已接收", response="正在为您播放音乐")

        conn = FakeConn()
        result = ExecutionResult(True, "call_handler", result={"func_name": "mcp_handler_play_music", "args": "稻香"})
        r = await mapped(result, conn=conn, handlers={"mcp_handler_play_music": play})
        self.assertEqual(r.action, Action.RECORD)
        self.assertEqual(seen, [(conn, "稻香")])

    async def test_default_change_role_and_unknown_handler(self):
        conn = FakeConn()
        role = ExecutionResult(
            True, "call_handler", result={"func_name": "mcp_handler_change_role", "args": {"role": "英语老师", "prompt": "You teach."}}
        )
        r = await mapped(role, conn=conn)
        self.assertEqual((r.action, conn.prompt), (Action.RESPONSE, "You teach."))
        r = await mapped(ExecutionResult(True, "call_handler", result={"func_name": "mcp_handler_switch_agent", "args": {}}))
        self.assertEqual(r.action, Action.NOTFOUND)

    async def test_take_photo_uses_the_vision_answer(self):
        answer = json.dumps({"success": True, "action": "RESPONSE", "response": "桌上有一杯咖啡"})
        photo = ExecutionResult(True, "call_handler", result={"func_name": "mcp_handler_take_photo", "args": answer})
        r = await mapped(photo)
        self.assertEqual((r.action, r.response), (Action.RESPONSE, "桌上有一杯咖啡"))
        plain = ExecutionResult(True, "call_handler", result={"func_name": "mcp_handler_take_photo", "args": "a cup"})
        r = await mapped(plain)
        self.assertEqual((r.action, r.result), (Action.REQLLM, "a cup"))

    async def test_fallback_answer_passes_through(self):
        native = ActionResponse(Action.REQLLM, result="from ServerMCPExecutor")
        self.assertIs(await mapped(ExecutionResult(True, "none", via="fallback", native=native)), native)


@unittest.skipUnless(SERVICE_URL, NEEDS_SERVICE)
class ServiceConnectionTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = service_client()
        self.device = DeviceSimulator()
        self.refreshed = 0

        def tools_changed():
            self.refreshed += 1

        self.conn = ServiceConnection(
            self.client,
            session_id=unique("esp32"),
            device_id="AA:BB:CC:DD:EE:03",
            client_id="client-3",
            vision_url="http://192.168.1.10:8003/mcp/vision/explain",
            token="auth-key",
            send_to_device=self.device.receive,
            conn=FakeConn(),
            action_types=GATEWAY_TYPES,
            hide={"local_change_role"},
            on_tools_changed=tools_changed,
        )

    async def asyncTearDown(self):
        await self.conn.close()
        await self.client.close()

    async def test_hello_turn_and_goodbye(self):
        self.device.connect(self.conn.on_device_frame)  # the gateway's handler of the device's mcp frames
        # on hello (after the server hello went out): bind, relay, tools
        self.assertTrue(await self.conn.start(device_mcp=True))
        executor = self.conn.executor
        self.assertTrue(executor.has_tool("local_get_time"))
        self.assertFalse(executor.has_tool("local_change_role"))
        await poll(lambda: _noop(), lambda _: executor.device_status == "ok", timeout_s=10)
        self.assertTrue(executor.has_tool("self_audio_speaker_set_volume"))
        self.assertGreaterEqual(self.refreshed, 1)
        definition = executor.get_tools()["self_audio_speaker_set_volume"]
        self.assertEqual(definition.description["function"]["name"], "self_audio_speaker_set_volume")
        self.assertEqual(definition.tool_type, executor.tool_type)

        # an LLM turn
        r = await executor.execute(None, "self_audio_speaker_set_volume", {"volume": 30})
        self.assertEqual((r.action, r.result), (Action.REQLLM, "true"))
        self.assertEqual(self.device.volume, 30)
        r = await executor.execute(None, "local_get_time", {})
        self.assertEqual(r.action, Action.REQLLM)
        r = await executor.execute(None, "no_such_tool", {})
        self.assertEqual(r.action, Action.ERROR)

        # the device leaves
        sid = self.conn.session_id
        await self.conn.close()
        self.assertFalse(self.conn.relay.is_open)
        with self.assertRaises(ServiceError) as caught:
            await self.client.get_session(sid)
        self.assertEqual(caught.exception.code, "session_not_found")

    async def test_bind_failure_leaves_the_gateway_path(self):
        self.conn.device_id = "x" * 200  # over the service's 128 characters
        self.assertFalse(await self.conn.start(device_mcp=True))
        self.assertIsNone(self.conn.relay)


async def _noop():
    return None


if __name__ == "__main__":
    unittest.main()


class ConnectionForTest(unittest.TestCase):
    class Conn:
        def __init__(self, section, device_id="AA:BB:CC:DD:EE:FF"):
            self.config = {"mcp_service": section, "server": {"auth_key": "k" * 16}}
            self.headers = {"device-id": device_id, "client-id": "c-1"}
            self.session_id = "s-1"
            self.websocket = type("WS", (), {"send": lambda self, text: None})()

    def test_off_without_section_or_switch(self):
        from xiaozhi_mcp_service.esp32_server import connection_for

        self.assertIsNone(connection_for(self.Conn({})))
        self.assertIsNone(connection_for(self.Conn({"use_service": False, "service_url": "http://x"})))

    def test_split_and_settings(self):
        from xiaozhi_mcp_service.esp32_server import connection_for

        section = {"use_service": True, "service_url": "http://svc.test", "api_key": "k", "traffic_split": 7.17}
        self.assertIsNone(connection_for(self.Conn(section)))  # bucket 717: outside 7.17 %
        section = {**section, "traffic_split": 7.18, "hide_tools": ["local_exit"], "execute_timeout_ms": 25000}
        made = connection_for(self.Conn(section))
        self.assertIsNotNone(made)
        self.assertEqual((made.session_id, made.device_id, made.client_id, made.token), ("s-1", "AA:BB:CC:DD:EE:FF", "c-1", "k" * 16))
        self.assertEqual(made.executor.hide, {"local_exit"})
        self.assertEqual(made.executor.timeout_ms, 25000)
        self.assertIsNotNone(made.executor.fallback)
