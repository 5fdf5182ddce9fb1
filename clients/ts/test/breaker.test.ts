/** The circuit breaker's states, on a fake clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CircuitBreaker } from "../src/index.ts";

describe("circuit breaker", () => {
  it("opens after the threshold of failures in a row, lets one probe through after the cooldown", () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 1000, () => now);
    breaker.record(true);
    breaker.record(true);
    breaker.record(false); // a success resets the count
    for (let i = 0; i < 3; i++) {
      assert.ok(breaker.allow());
      breaker.record(true);
    }
    assert.equal(breaker.state, "open");
    assert.equal(breaker.allow(), false);
    now = 1000;
    assert.equal(breaker.state, "half_open");
    assert.ok(breaker.allow(), "one probe");
    assert.equal(breaker.allow(), false, "only one");
    breaker.record(true);
    assert.equal(breaker.state, "open");
    now = 2000;
    assert.ok(breaker.allow());
    breaker.record(false);
    assert.equal(breaker.state, "closed");
    assert.ok(breaker.allow());
  });

  it("is off with a threshold of 0", () => {
    const breaker = new CircuitBreaker(0, 1000);
    for (let i = 0; i < 100; i++) breaker.record(true);
    assert.ok(breaker.allow());
    assert.equal(breaker.state, "closed");
  });
});
