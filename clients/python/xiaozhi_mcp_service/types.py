"""The API's answers as small dataclasses, parsed from the service's JSON (``docs/openapi.json``).

Each keeps the decoded JSON in ``raw`` so fields added by later service versions are not lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

#: ExecutionResult.action values.
ACTIONS = ("none", "response", "call_handler", "req_llm", "error")


@dataclass
class ToolError:
    """``error`` of a failed execution: ``{code, message, details?}``."""

    code: str
    message: str
    details: Any = None


@dataclass
class ExecutionResult:
    """The seed's ExecutionResult: ``{success, action, result, response, error?}``.

    ``action`` is one of ``none``, ``response``, ``call_handler``, ``req_llm``, ``error``:
    ``req_llm`` → ``result`` is text for the LLM's next turn; ``call_handler`` → ``result`` is
    ``{func_name, args}``; ``response`` → ``response`` is text to speak; ``error`` → ``error`` says why.

    Beyond the wire fields: ``via`` says which path produced it (``service``, ``fallback`` — the gateway's
    hook after a service failure, then ``fallback_error`` holds that failure —, or ``gateway`` when the
    rollout sent the device down the gateway's own path), ``request_id`` the call's id, and ``native`` the
    hook's own answer when it was not an ExecutionResult (e.g. an ActionResponse), passed through untouched.
    """

    success: bool
    action: str
    result: Any = None
    response: Optional[str] = None
    error: Optional[ToolError] = None
    content: Optional[List[Any]] = None
    via: str = "service"
    request_id: str = ""
    fallback_error: Optional[Exception] = None
    native: Any = None
    raw: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Dict[str, Any], **extra: Any) -> "ExecutionResult":
        err = data.get("error")
        return cls(
            success=bool(data.get("success")),
            action=str(data.get("action", "error")),
            result=data.get("result"),
            response=data.get("response"),
            error=ToolError(str(err.get("code", "")), str(err.get("message", "")), err.get("details"))
            if isinstance(err, dict)
            else None,
            content=data.get("content"),
            raw=data,
            **extra,
        )

    @property
    def handler_name(self) -> Optional[str]:
        """``call_handler``: the handler's name (``mcp_handler_play_music`` …)."""
        if self.action == "call_handler" and isinstance(self.result, dict):
            name = self.result.get("func_name")
            return name if isinstance(name, str) else None
        return None

    @property
    def handler_args(self) -> Any:
        """``call_handler``: the handler's argument (a string, or an object such as ``{role, prompt}``)."""
        return self.result.get("args") if isinstance(self.result, dict) else None

    def text(self) -> str:
        """The result as text for an LLM or a log: the string itself, or compact JSON."""
        if self.action == "error" and self.error is not None:
            return self.error.message
        value = self.response if self.action == "response" else self.result
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass
class Tool:
    """One tool for the LLM: ``input_schema`` is JSON Schema (``type: object``)."""

    name: str
    description: str
    input_schema: Dict[str, Any]
    source: str
    original_name: str
    server: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Tool":
        return cls(
            name=data["name"],
            description=data.get("description", ""),
            input_schema=data.get("input_schema") or {"type": "object", "properties": {}},
            source=data.get("source", ""),
            original_name=data.get("original_name", data["name"]),
            server=data.get("server"),
        )

    def openai_function(self) -> Dict[str, Any]:
        """The tool in the OpenAI function-calling shape gateways hand their LLM."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.input_schema},
        }


@dataclass
class SourceReport:
    """How one tool source answered the listing (``ok``, ``unavailable``, ``incomplete``, ``unsupported``)."""

    source: str
    kind: str
    status: str
    tool_count: int
    error: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "SourceReport":
        return cls(
            source=data.get("source", ""),
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            tool_count=int(data.get("tool_count", 0)),
            error=data.get("error"),
        )


@dataclass
class ToolList:
    """``GET /api/v1/mcp/tools``: the tools and each source's report."""

    tools: List[Tool]
    sources: List[SourceReport]
    request_id: str = ""

    def source(self, kind: str) -> Optional[SourceReport]:
        """The report of the first source of that kind (``local``, ``external``, ``device``)."""
        return next((s for s in self.sources if s.kind == kind), None)
