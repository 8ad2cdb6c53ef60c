/**
 * An example NATS JetStream consumer (nats.js) that hands the messages it fails on to Salvage.
 *
 *   node dist/examples/nats_consumer.js --salvage 127.0.0.1:50051 --broker nats://127.0.0.1:4222 \
 *     --queue orders --destination jet --count 2
 *
 * It pulls from a durable consumer (created if missing) on the stream that captures the subject
 * (--queue). The id reported is the `salvage-message-id` header (on Salvage's copies: the
 * original's id), else the producer's `Nats-Msg-Id`, else `<stream>/<stream sequence>` (stable
 * across redeliveries of that message). delivery_attempt is JetStream's delivery count.
 *
 * On failure it reports and acts on the answer: any outcome -> ack; UNAVAILABLE & co. -> nak
 * (redelivered after a delay); INVALID_ARGUMENT -> term (never redelivered; JetStream publishes a
 * MSG_TERMINATED advisory; log it). Prints one JSON summary line.
 */

import { AckPolicy, type JsMsg, connect } from "nats";

import { Action, stringHeaders } from "../index";
import { HandlingError, Run, args, fail, handle, log } from "./common";

const DURABLE = "salvage-example";

function messageHeaders(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m.headers) return out;
  for (const [k, values] of m.headers) out[k] = values[0] ?? "";
  return stringHeaders(out);
}

function messageId(m: JsMsg, headers: Record<string, string>): string {
  return headers["salvage-message-id"] || headers["Nats-Msg-Id"] || `${m.info.stream}/${m.info.streamSequence}`;
}

async function main(): Promise<void> {
  const a = args("NATS JetStream", "nats://127.0.0.1:4222", "the subject to consume (a JetStream stream must capture it)");
  const run = new Run(a);
  let nc;
  try {
    nc = await connect({ servers: a.broker, timeout: 5000, maxReconnectAttempts: 3 });
  } catch (err) {
    fail(`cannot connect to NATS at ${a.broker}: ${(err as Error).message}`);
  }
  const jsm = await nc.jetstreamManager();
  let stream: string;
  try {
    stream = await jsm.streams.find(a.queue);
    await jsm.consumers.add(stream, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, filter_subject: a.queue });
  } catch (err) {
    fail(`no JetStream consumer on ${JSON.stringify(a.queue)} (does a stream capture it?): ${(err as Error).message}`);
  }
  const consumer = await nc.jetstream().consumers.get(stream, DURABLE);

  while (!run.done() && !run.expired()) {
    const msgs = await consumer.fetch({ max_messages: 16, expires: 1000 });
    for await (const m of msgs) {
      const headers = messageHeaders(m);
      const id = messageId(m, headers);
      let order;
      try {
        order = handle(m.data);
      } catch (e) {
        if (!(e instanceof HandlingError)) throw e;
        const action = await run.report(e, {
          id,
          payload: m.data,
          headers,
          // JetStream has no partition key; Salvage keeps one it was given as the
          // salvage-partition-key header of its copies, so pass that one back.
          partitionKey: headers["salvage-partition-key"] ?? "",
          contentType: headers["Content-Type"] ?? "",
          eventType: headers["salvage-event-type"] ?? "",
          deliveryAttempt: m.info.redeliveryCount,
        });
        if (action === Action.ACK) {
          await m.ackAck();
        } else if (action === Action.DEAD_LETTER) {
          log(`dead-lettering ${id}: term (no redelivery), advisory $JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED`);
          m.term();
        } else {
          m.nak(1000);
        }
        continue;
      }
      run.handled(id, headers, order);
      await m.ackAck();
    }
  }
  await nc.drain();
  run.finish();
}

main().catch((err) => fail(`error: ${err?.stack ?? err}`, 1));
