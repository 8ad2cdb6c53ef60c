/**
 * An example RabbitMQ consumer (amqplib) that hands the messages it fails on to Salvage.
 *
 *   node dist/examples/rabbitmq_consumer.js --salvage 127.0.0.1:50051 \
 *     --broker amqp://guest:guest@127.0.0.1:5672/%2f --queue orders --destination rabbit --count 2
 *
 * For each message: handle it; on success ack it. On failure report it (id = the AMQP
 * `message_id`, all headers as strings, delivery_attempt from `x-delivery-count` or
 * `redelivered`) and act on the answer: any outcome -> ack; UNAVAILABLE & co. (after the
 * helper's re-reports) -> nack with requeue; INVALID_ARGUMENT -> dead-letter to `<queue>.dead`.
 * Prints one JSON summary line on stdout.
 */

import { createHash } from "node:crypto";

import * as amqp from "amqplib";

import { Action, stringHeaders } from "../index";
import { HandlingError, Run, args, fail, handle, log } from "./common";

function messageId(msg: amqp.ConsumeMessage): string {
  // Salvage sets message_id on its copies to the original's id. A producer that sets none: a
  // hash of the body is stable across redeliveries (but two equal bodies count as one).
  const id = msg.properties.messageId as string | undefined;
  return id ? String(id) : "sha256:" + createHash("sha256").update(msg.content).digest("hex");
}

function deliveryAttempt(msg: amqp.ConsumeMessage, headers: Record<string, string>): number {
  // Quorum queues count deliveries in x-delivery-count (absent on the first); classic queues
  // only say `redelivered`.
  const n = Number(headers["x-delivery-count"]);
  if (headers["x-delivery-count"] !== undefined && Number.isFinite(n)) return n + 1;
  return msg.fields.redelivered ? 2 : 1;
}

async function main(): Promise<void> {
  const a = args("RabbitMQ", "amqp://guest:guest@127.0.0.1:5672/%2f", "the queue to consume (Salvage requeues repaired copies to it)");
  const deadLetterQueue = `${a.queue}.dead`;
  const run = new Run(a);
  let conn: amqp.ChannelModel;
  try {
    conn = await amqp.connect(a.broker);
  } catch (err) {
    fail(`cannot connect to RabbitMQ at ${a.broker}: ${(err as Error).message}`);
  }
  const ch = await conn.createChannel();
  ch.on("error", (err: Error) => fail(`RabbitMQ closed the channel (does the queue ${JSON.stringify(a.queue)} exist?): ${err.message}`));
  await ch.prefetch(16);

  // One message at a time, in order: the next waits until this one is settled.
  let chain: Promise<void> = Promise.resolve();
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));

  const onMessage = async (msg: amqp.ConsumeMessage): Promise<void> => {
    if (run.done()) return; // not acked: the broker redelivers it to the next consumer
    const headers = stringHeaders(msg.properties.headers ?? {});
    const id = messageId(msg);
    let order;
    try {
      order = handle(msg.content);
    } catch (e) {
      if (!(e instanceof HandlingError)) throw e;
      const action = await run.report(e, {
        id,
        payload: msg.content,
        headers,
        // RabbitMQ has no partition key; Salvage keeps one it was given as the
        // salvage-partition-key header of its copies, so pass that one back.
        partitionKey: headers["salvage-partition-key"] ?? "",
        contentType: msg.properties.contentType ?? "",
        eventType: msg.properties.type ?? "",
        deliveryAttempt: deliveryAttempt(msg, headers),
      });
      if (action === Action.ACK) {
        ch.ack(msg);
      } else if (action === Action.DEAD_LETTER) {
        // Poison: Salvage refused the report itself. Keep it on the broker, then ack.
        log(`dead-lettering ${id} to ${deadLetterQueue}`);
        await ch.assertQueue(deadLetterQueue, { durable: true });
        ch.sendToQueue(deadLetterQueue, msg.content, msg.properties);
        ch.ack(msg);
      } else {
        ch.nack(msg, false, true);
      }
      return;
    }
    run.handled(id, headers, order);
    ch.ack(msg);
    if (run.done()) finished();
  };

  const { consumerTag } = await ch.consume(
    a.queue,
    (msg) => {
      if (msg === null) fail(`the consumer of ${a.queue} was cancelled by the broker`);
      chain = chain.then(() => onMessage(msg!)).catch((err) => fail(`handling a message: ${err}`, 1));
    },
    { noAck: false },
  );
  const timer = setTimeout(finished, run.msLeft());
  await allDone;
  clearTimeout(timer);
  await ch.cancel(consumerTag);
  await chain;
  await conn.close();
  run.finish();
}

main().catch((err) => fail(`error: ${err?.stack ?? err}`, 1));
