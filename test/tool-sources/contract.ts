/**
 * @module test/tool-sources/contract
 * What every {@link ToolSource} promises, as one suite that each source's test file runs with its own
 * factory (as Hono runs one suite against every router): listing, calling, an unknown tool, a timeout,
 * cancellation through the call's signal, and the report of a source that cannot reach its tools.
 */
import { describe, expect, it } from "vitest";
import type { ExecutionErrorCode, ExecutionResult } from "../../src/contract/execution";
import type { ToolDescriptor } from "../../src/contract/tools";
import type { CallOptions, SessionContext, ToolSource } from "../../src/tools/types";

/** A name an LLM accepts for a function. */
const LLM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** The timeout the timeout case gives its call. */
const SHORT_TIMEOUT_MS = 200;
/** Calls that must end early (timed out, cancelled) take far less than this. */
const PROMPT_MS = 5_000;

/** The session every contract call runs for. */
export const CONTRACT_SESSION: SessionContext = {
  tenant: "tenant-a",
  sessionId: "tool-source-contract",
  deviceId: "AA:BB:CC:DD:EE:FF",
  clientId: "client-1",
};

/** A source built for one case, and how to release what it holds (connections, pending calls). */
export interface BuiltSource {
  source: ToolSource;
  close?: () => Promise<void>;
}

/** A call to one of the source's listed tools, by its listed name. */
export interface ToolCall {
  tool: string;
  args: Record<string, unknown>;
}

export interface ToolSourceContract {
  /** Builds a fresh, working source (once per case, so no case sees another's state). */
  build: () => Promise<BuiltSource>;
  /** A call that succeeds, and (part of) what it answers. */
  call: ToolCall & { answers: Partial<ExecutionResult> };
  /** A tool shaped like the source's own that it does not have. */
  unknownTool: ToolDescriptor;
  /**
   * A call that does not answer by itself, and the error code its timeout gives. Absent for a source whose
   * tools run in-process and answer at once: it has nothing to time out or cancel.
   */
  slowCall?: ToolCall & { timeoutCode: ExecutionErrorCode };
  /** Builds the same kind of source, unable to reach its tools (server down, no relay). Absent for one that always can. */
  buildUnreachable?: () => Promise<BuiltSource>;
}

/** Registers the contract's cases for the source `contract` describes. */
export function runToolSourceContract(name: string, contract: ToolSourceContract): void {
  const { call, unknownTool, slowCall, buildUnreachable } = contract;
  const withSource =
    (test: (source: ToolSource) => Promise<void>, build: () => Promise<BuiltSource> = contract.build) =>
    async () => {
      const built = await build();
      try {
        await test(built.source);
      } finally {
        await built.close?.();
      }
    };

  describe(`ToolSource contract: ${name}`, () => {
    it(
      "lists its tools under its own kind, each once, with a name an LLM accepts and an object schema",
      withSource(async (source) => {
        const listings = await source.listTools();
        expect(listings.length).toBeGreaterThan(0);
        for (const listing of listings) {
          expect(listing).toMatchObject({ kind: source.kind, status: "ok" });
          expect(listing.error).toBeUndefined();
        }
        const tools = listings.flatMap((listing) => listing.tools);
        expect(tools.length).toBeGreaterThan(0);
        expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
        for (const tool of tools) {
          expect(tool.source).toBe(source.kind);
          expect(tool.name).toMatch(LLM_NAME);
          expect(tool.input_schema.type).toBe("object");
        }
      }),
    );

    it(
      "calls a tool it listed and answers an ExecutionResult",
      withSource(async (source) => {
        expect(await callListed(source, call)).toMatchObject(call.answers);
      }),
    );

    it(
      "answers a tool it does not have with a failed result, not an exception, and resolves no alias for it",
      withSource(async (source) => {
        const result = await source.callTool(unknownTool, {}, { session: CONTRACT_SESSION });
        expect(result).toMatchObject({ success: false, action: "error", error: { code: "tool_error" } });
        expect(source.resolveAlias?.(unknownTool.name)).toBeUndefined();
      }),
    );

    if (slowCall) {
      it(
        "ends a call slower than its timeoutMs with its timeout code",
        withSource(async (source) => {
          const started = Date.now();
          const result = await callListed(source, slowCall, { timeoutMs: SHORT_TIMEOUT_MS });
          const took = Date.now() - started;
          expect(result).toMatchObject({ success: false, action: "error", error: { code: slowCall.timeoutCode } });
          expect(took).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 10);
          expect(took).toBeLessThan(PROMPT_MS);
        }),
      );

      it(
        "ends a call as cancelled when its signal is aborted, saying why",
        withSource(async (source) => {
          const controller = new AbortController();
          const started = Date.now();
          const pending = callListed(source, slowCall, { signal: controller.signal, timeoutMs: 60_000 });
          await scheduler.wait(50);
          controller.abort(new Error("session unbound"));
          const result = await pending;
          expect(result).toMatchObject({ success: false, action: "error", error: { code: "cancelled" } });
          expect(result.error?.message).toContain("session unbound");
          expect(Date.now() - started).toBeLessThan(PROMPT_MS);
        }),
      );
    }

    if (buildUnreachable) {
      it(
        "reports that it cannot reach its tools: unavailable, with the reason and no tools, never an exception",
        withSource(async (source) => {
          const listings = await source.listTools();
          expect(listings.length).toBeGreaterThan(0);
          for (const listing of listings) {
            expect(listing).toMatchObject({ kind: source.kind, status: "unavailable", tools: [] });
            expect(listing.error?.trim()).toBeTruthy();
          }
        }, buildUnreachable),
      );
    }
  });
}

/** Calls the tool `source` lists under `toolCall.tool` (fails the test when it lists none). */
async function callListed(
  source: ToolSource,
  toolCall: ToolCall,
  options: Omit<CallOptions, "session"> = {},
): Promise<ExecutionResult> {
  const tool = (await source.listTools()).flatMap((listing) => listing.tools).find((t) => t.name === toolCall.tool);
  if (!tool) throw new Error(`the source lists no tool named ${toolCall.tool}`);
  return source.callTool(tool, toolCall.args, { session: CONTRACT_SESSION, ...options });
}
