/**
 * Tests of the helpers; with SALVAGE_ADDR set (a running Salvage with the example rules and a
 * destination "redis" on its own Redis), also against it:
 *
 *   npm test                                  (node --test dist/test/)
 *   SALVAGE_ADDR=127.0.0.1:50051 npm test
 */

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { Action, ReportError, Salvage, actionFor, actionForStatus, buildRequest, stringHeaders } from "../index";

const resp = (outcome: string, error_code = 0) =>
  ({ tracking_id: "t", outcome, rule: "", reason: "", attempt: 1, error: "", error_code, retry_at: null }) as never;

describe("actionFor", () => {
  it("acks every outcome", () => {
    for (const o of ["REQUEUED", "RETRY_SCHEDULED", "PARKED", "DUPLICATE"]) {
      assert.equal(actionFor(resp(o)), Action.ACK);
      assert.equal(actionFor(o as never), Action.ACK);
    }
  });
  it("maps status codes", () => {
    for (const c of [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL]) {
      assert.equal(actionForStatus(c), Action.NACK_REQUEUE);
      assert.equal(actionFor(new ReportError(c, "x")), Action.NACK_REQUEUE);
    }
    assert.equal(actionFor({ code: grpc.status.INVALID_ARGUMENT }), Action.DEAD_LETTER);
    assert.equal(actionForStatus(grpc.status.OUT_OF_RANGE), Action.DEAD_LETTER);
  });
  it("judges a stream response by its error_code", () => {
    assert.equal(actionFor(resp("OUTCOME_UNSPECIFIED", 3)), Action.DEAD_LETTER);
    assert.equal(actionFor(resp("OUTCOME_UNSPECIFIED", 14)), Action.NACK_REQUEUE);
  });
});

describe("requests", () => {
  it("makes header values strings", () => {
    assert.deepEqual(stringHeaders({ n: 42, b: true, s: Buffer.from("text"), none: null, l: [1, "a"] }), {
      n: "42",
      b: "true",
      s: "text",
      none: "",
      l: '[1,"a"]',
    });
    const req = buildRequest({ id: "o-1", queue: "orders", payload: "{}", code: "X", headers: { "shop-id": 42 }, retryAfterSeconds: 1.5 });
    assert.equal(req.message!.headers!["shop-id"], "42");
    assert.deepEqual(req.failure!.retry_after, { seconds: "1", nanos: 500000000 });
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("unavailable", () => {
  it("reports again, then rejects with UNAVAILABLE", async () => {
    const salvage = new Salvage(`127.0.0.1:${await freePort()}`, { timeoutMs: 2000, retries: 2, backoffMs: 50 });
    await assert.rejects(salvage.reportFailure({ id: "o-1", queue: "orders", payload: "{}", code: "X" }), (err: unknown) => {
      assert.ok(err instanceof ReportError);
      assert.equal(err.code, grpc.status.UNAVAILABLE);
      assert.equal(err.attempts, 3);
      assert.equal(actionFor(err), Action.NACK_REQUEUE);
      return true;
    });
    salvage.close();
  });
});

const live = process.env.SALVAGE_ADDR;
describe("against Salvage", { skip: live ? false : "SALVAGE_ADDR not set" }, () => {
  const queue = `orders-test-${Math.random().toString(16).slice(2, 10)}`;
  const report = (salvage: Salvage, id: string) =>
    salvage.reportFailure({ id, destination: "redis", queue, payload: '{"order_id":"o-1","total":"129.90"}', code: "INVALID_TYPE" });

  it("requeues, then answers DUPLICATE for the original redelivered", async () => {
    const salvage = new Salvage(live!);
    const first = await report(salvage, "o-1");
    assert.equal(first.outcome, "REQUEUED");
    assert.equal(first.rule, "order-total-as-string");
    const again = await report(salvage, "o-1");
    assert.equal(again.outcome, "DUPLICATE");
    assert.equal(again.tracking_id, first.tracking_id);
    assert.equal(actionFor(again), Action.ACK);
    salvage.close();
  });

  it("answers INVALID_ARGUMENT once for a request without id: poison", async () => {
    const salvage = new Salvage(live!);
    await assert.rejects(report(salvage, ""), (err: unknown) => {
      assert.ok(err instanceof ReportError);
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(err.attempts, 1);
      assert.equal(actionFor(err), Action.DEAD_LETTER);
      return true;
    });
    salvage.close();
  });

  it("streams reports, errors in line", async () => {
    const salvage = new Salvage(live!);
    const s = salvage.stream();
    const req = (id: string) => buildRequest({ id, destination: "redis", queue, payload: '{"total":"1.5"}', code: "INVALID_TYPE" });
    const [ok, bad, dup] = [s.submit(req("s-1")), s.submit(req("")), s.submit(req("s-1"))];
    assert.equal((await ok).outcome, "REQUEUED");
    await assert.rejects(bad, (err: unknown) => err instanceof ReportError && err.code === grpc.status.INVALID_ARGUMENT);
    assert.equal((await dup).outcome, "DUPLICATE");
    await s.close();
    salvage.close();
  });
});
