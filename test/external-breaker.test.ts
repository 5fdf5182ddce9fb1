/**
 * @module test/external-breaker.test
 * The circuit breaker each external server's calls go through (unit test of src/tools/external/breaker.ts).
 */
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/tools/external/breaker";

describe("circuit breaker", () => {
  function breaker() {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: () => now });
    return { b, advance: (ms: number) => (now += ms) };
  }

  it("opens after the threshold of consecutive failures and fails fast until the cool-down is over", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.fail();
    }
    expect(b.view()).toMatchObject({ state: "open", consecutive_failures: 3 });
    expect(b.tryAcquire()).toBe(false);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
  });

  it("a success in between resets the count", () => {
    const { b } = breaker();
    b.fail();
    b.fail();
    b.succeed();
    b.fail();
    expect(b.view()).toMatchObject({ state: "closed", consecutive_failures: 1 });
  });

  it("after the cool-down lets exactly one probe through; its success closes the circuit", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.view().state).toBe("half_open");
    expect(b.tryAcquire()).toBe(false);
    b.succeed();
    expect(b.view()).toMatchObject({ state: "closed", consecutive_failures: 0 });
    expect(b.tryAcquire()).toBe(true);
  });

  it("a failed probe opens the circuit for another cool-down", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.fail();
    expect(b.view().state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
  });

  it("a background check runs whenever a call could, and leaves the probe to a call", () => {
    const { b, advance } = breaker();
    expect(b.allowsBackgroundCheck()).toBe(true);
    for (let i = 0; i < 3; i++) b.fail();
    expect(b.allowsBackgroundCheck()).toBe(false);
    advance(1000);
    expect(b.allowsBackgroundCheck()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.allowsBackgroundCheck()).toBe(true);
    b.succeed();
    expect(b.view().state).toBe("closed");
  });

  it("a cancelled probe lets the next call probe", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.fail();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.tryAcquire()).toBe(true);
  });

  it("tells each change of state, once: opened from closed, half-open for the probe, closed again", () => {
    let now = 0;
    const changes: string[] = [];
    const b = new CircuitBreaker({
      failureThreshold: 2,
      cooldownMs: 1000,
      now: () => now,
      onChange: (from, to) => changes.push(`${from}>${to}`),
    });
    b.fail();
    b.fail();
    b.fail();
    now += 1000;
    b.tryAcquire();
    b.succeed();
    b.succeed();
    expect(changes).toEqual(["closed>open", "open>half_open", "half_open>closed"]);
  });
});
