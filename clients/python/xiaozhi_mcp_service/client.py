"""``ServiceClient``: the seed's ServiceClient surface over the service's REST API, for asyncio gateways.

Every call sends ``Authorization: Bearer <key>`` and an ``X-Request-Id``; failures raise
:class:`~xiaozhi_mcp_service.errors.ServiceError` with the service's code and the request id. Idempotent calls
(bind, get tools, get session, unbind) are retried with jittered backoff on service failures; a tool
execution never is. All calls pass through one circuit breaker. ``execute_tool`` applies the rollout
controls: the switch and split (``uses_service``) and the fallback hook.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from typing import Any, Dict, Optional, Union
from urllib.parse import quote

import aiohttp

from .breaker import CircuitBreaker
from .errors import ServiceError
from .options import ClientOptions, FallbackHook
from .rollout import uses_service
from .types import ExecutionResult, ToolList, Tool, SourceReport

API_PREFIX = "/api/v1/mcp"

logger = logging.getLogger("xiaozhi_mcp_service")


def _segment(value: str) -> str:
    return quote(value, safe="")


class ServiceClient:
    """One client per gateway process (it holds an aiohttp session and the breaker); share it across connections.

    Args:
        base_url: the service's URL, e.g. ``https://mcp.example.workers.dev`` (no trailing ``/api``).
        api_key: the tenant's API key.
        options: timeouts, retries, breaker, rollout controls (defaults: :class:`ClientOptions`).
        http: an existing ``aiohttp.ClientSession`` to use (the client then does not close it).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        options: Optional[ClientOptions] = None,
        *,
        http: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.options = options or ClientOptions()
        self.breaker = CircuitBreaker(self.options.breaker_failures, self.options.breaker_reset_s)
        self._http = http
        self._own_http = http is None

    async def __aenter__(self) -> "ServiceClient":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the HTTP session the client opened (not one it was given)."""
        if self._own_http and self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None

    # ------------------------------------------------------------------ rollout

    def uses_service(self, device_id: str) -> bool:
        """The switch and the traffic split for this device (stable: the same answer every time)."""
        return uses_service(device_id, use_service=self.options.use_service, traffic_split=self.options.traffic_split)

    # ------------------------------------------------------------------ the API

    async def bind_session(
        self,
        session_id: str,
        device_id: str,
        client_id: str,
        vision_url: Optional[str] = None,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Binds (or re-binds) the device's session; answers ``{success, created, message, session}``.

        ``token`` is the gateway's server secret the device's vision JWT is signed with; ``vision_url`` and
        ``token`` are left out when empty. Retried on service failures (binding again only updates).
        """
        body: Dict[str, Any] = {"device_id": device_id, "client_id": client_id}
        if vision_url:
            body["vision_url"] = vision_url
        if token:
            body["token"] = token
        data, _ = await self._call("POST", f"{API_PREFIX}/sessions/{_segment(session_id)}/bind", json_body=body, idempotent=True)
        return data

    async def get_tools(self, session_id: str) -> ToolList:
        """The session's tools for the LLM, with each source's report. Retried on service failures."""
        data, request_id = await self._call(
            "GET", f"{API_PREFIX}/tools", params={"session_id": session_id}, idempotent=True
        )
        return ToolList(
            tools=[Tool.from_dict(t) for t in data.get("tools", [])],
            sources=[SourceReport.from_dict(s) for s in data.get("sources", [])],
            request_id=request_id,
        )

    async def execute_tool(
        self,
        tool_name: str,
        arguments: Optional[Dict[str, Any]],
        session_id: str,
        *,
        device_id: Optional[str] = None,
        timeout_ms: Optional[int] = None,
        fallback_hook: Optional[FallbackHook] = None,
    ) -> ExecutionResult:
        """Runs a tool; never retried.

        A tool that ran and failed is a normal answer (``success`` false, ``action`` ``error``). A service
        failure (no answer, timeout, 5xx, open circuit) goes to ``options.fallback_hook`` when
        ``options.fallback`` is on (the result says ``via="fallback"`` and keeps the failure in
        ``fallback_error``; a warning is logged), and is raised otherwise. When ``device_id`` is given and the
        rollout keeps that device off the service, the hook runs straight away (``via="gateway"``).
        ``timeout_ms`` (100 … 300000) is passed to the service; the HTTP wait is that plus a margin.
        ``fallback_hook`` overrides ``options.fallback_hook`` for this call (e.g. a per-connection manager).
        """
        arguments = arguments or {}
        hook = fallback_hook or self.options.fallback_hook
        if device_id is not None and hook is not None and not self.uses_service(device_id):
            return self._from_hook(await hook(tool_name, arguments, session_id, None), via="gateway")
        timeout_ms = timeout_ms if timeout_ms is not None else self.options.execute_timeout_ms
        body: Dict[str, Any] = {"session_id": session_id, "arguments": arguments}
        if device_id is not None:
            body["device_id"] = device_id
        if timeout_ms is not None:
            body["timeout_ms"] = timeout_ms
        wait_s = (timeout_ms if timeout_ms is not None else 30_000) / 1000 + self.options.execute_margin_s
        try:
            data, request_id = await self._call(
                "POST", f"{API_PREFIX}/tools/{_segment(tool_name)}/execute", json_body=body, timeout_s=wait_s
            )
        except ServiceError as err:
            if not (err.is_service_failure and self.options.fallback and hook is not None):
                raise
            logger.warning(
                "service failed executing %s (%s, request %s): the gateway's fallback runs it",
                tool_name, err.code, err.request_id,
            )
            result = self._from_hook(await hook(tool_name, arguments, session_id, err), via="fallback")
            result.fallback_error = err
            result.request_id = err.request_id
            return result
        return ExecutionResult.from_dict(data, request_id=request_id)

    async def get_session(self, session_id: str) -> Dict[str, Any]:
        """The binding as the service holds it (never the token), its tools' sources and the relay's state."""
        data, _ = await self._call("GET", f"{API_PREFIX}/sessions/{_segment(session_id)}", idempotent=True)
        return data

    async def unbind(self, session_id: str) -> bool:
        """Ends the session (closes its relay, cancels its calls). False when it was not bound (any more)."""
        try:
            await self._call("DELETE", f"{API_PREFIX}/sessions/{_segment(session_id)}", idempotent=True)
        except ServiceError as err:
            if err.code == "session_not_found":
                return False
            raise
        return True

    async def handle_xiaozhi_message(self, session_id: str, frame: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
        """Delivers one device ``type:"mcp"`` frame over HTTP (for gateways that do not keep a relay open for
        replies); answers ``{success, result}``, ``success`` false when nothing waited for it. Not retried."""
        body = json.loads(frame) if isinstance(frame, str) else frame
        data, _ = await self._call("POST", f"{API_PREFIX}/sessions/{_segment(session_id)}/messages", json_body=body)
        return data

    def relay_url(self, session_id: str) -> str:
        """``ws(s)://…/api/v1/mcp/sessions/{id}/relay``."""
        base = self.base_url
        if base.startswith("https://"):
            base = "wss://" + base[len("https://"):]
        elif base.startswith("http://"):
            base = "ws://" + base[len("http://"):]
        return f"{base}{API_PREFIX}/sessions/{_segment(session_id)}/relay"

    def relay(self, session_id: str, send_to_device: Any) -> "DeviceRelay":
        """A :class:`~xiaozhi_mcp_service.relay.DeviceRelay` for the session (not opened yet)."""
        from .relay import DeviceRelay

        return DeviceRelay(
            self.relay_url(session_id),
            self.api_key,
            send_to_device,
            keepalive_s=self.options.relay_keepalive_s,
            open_timeout_s=self.options.relay_open_timeout_s,
        )

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _from_hook(answer: Any, *, via: str) -> ExecutionResult:
        if isinstance(answer, ExecutionResult):
            answer.via = via
            return answer
        if isinstance(answer, dict) and "success" in answer and "action" in answer:
            return ExecutionResult.from_dict(answer, via=via)
        # The gateway's own answer type (an ActionResponse …): passed through as native.
        return ExecutionResult(success=True, action="none", via=via, native=answer)

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
            self._own_http = True
        return self._http

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Optional[Dict[str, Any]] = None,
        params: Optional[Dict[str, str]] = None,
        idempotent: bool = False,
        timeout_s: Optional[float] = None,
    ) -> "tuple[Dict[str, Any], str]":
        request_id = uuid.uuid4().hex
        attempts = 1 + (self.options.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                return await self._once(method, path, json_body, params, request_id, timeout_s or self.options.timeout_s)
            except ServiceError as err:
                if not err.retryable or attempt + 1 >= attempts:
                    raise
                pause = random.uniform(0, min(self.options.backoff_max_s, self.options.backoff_base_s * 2**attempt))
                logger.info("%s %s failed (%s, request %s); retry in %.2fs", method, path, err.code, request_id, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _once(
        self,
        method: str,
        path: str,
        json_body: Optional[Dict[str, Any]],
        params: Optional[Dict[str, str]],
        request_id: str,
        timeout_s: float,
    ) -> "tuple[Dict[str, Any], str]":
        if not self.breaker.allow():
            raise ServiceError(
                "circuit_open",
                f"the service failed {self.breaker.failure_threshold} times in a row; calls pause for "
                f"{self.breaker.reset_after_s:g}s",
                request_id=request_id,
            )
        headers = {"Authorization": f"Bearer {self.api_key}", "X-Request-Id": request_id}
        try:
            async with self._session().request(
                method,
                self.base_url + path,
                json=json_body,
                params=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout_s),
            ) as resp:
                answered_id = resp.headers.get("X-Request-Id") or resp.headers.get("cf-ray") or request_id
                text = await resp.text()
                status = resp.status
        except asyncio.CancelledError:
            self.breaker.record_neutral()
            raise
        except asyncio.TimeoutError:
            self.breaker.record_failure()
            raise ServiceError("service_timeout", f"no answer within {timeout_s:g}s", request_id=request_id) from None
        except aiohttp.ClientError as exc:
            self.breaker.record_failure()
            raise ServiceError("service_unavailable", str(exc) or type(exc).__name__, request_id=request_id) from exc
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            err = ServiceError("bad_response", f"HTTP {status}: not a JSON object: {text[:200]!r}", status=status, request_id=answered_id)
            self._record(err)
            raise err
        if status >= 400:
            body_err = data.get("error") if isinstance(data.get("error"), dict) else {}
            err = ServiceError(
                str(body_err.get("code") or f"http_{status}"),
                str(body_err.get("message") or f"HTTP {status}"),
                status=status,
                request_id=answered_id,
                details=body_err.get("details"),
            )
            self._record(err)
            raise err
        self.breaker.record_success()
        return data, answered_id

    def _record(self, err: ServiceError) -> None:
        if err.is_service_failure:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
