/**
 * An example Kafka consumer (kafkajs) that hands the messages it fails on to Salvage.
 *
 *   node dist/examples/kafka_consumer.js --salvage 127.0.0.1:50051 --broker kafka://127.0.0.1:9092 \
 *     --queue orders --destination kafka --count 2
 *
 * It reads the topic in a consumer group (from the earliest offset when the group is new), one
 * record at a time, committing each record's offset only once it is settled. The id reported is
 * the `salvage-message-id` header (on Salvage's copies: the original's id), else the producer's
 * CloudEvents `ce_id` header, else `<topic>/<partition>/<offset>` (stable across redeliveries of
 * that record). partition_key is the record key. Kafka does not count deliveries:
 * delivery_attempt is this process's own count for the record.
 *
 * On failure it reports and acts on the answer: any outcome -> commit; UNAVAILABLE & co. -> throw
 * from the handler after a pause, so kafkajs reads the record again (Kafka has no per-record
 * nack); INVALID_ARGUMENT -> produce it to `<topic>.dead` (which must exist) and commit. Prints one
 * JSON summary line.
 */

import { Kafka, type KafkaMessage, logLevel } from "kafkajs";

import { Action, stringHeaders } from "../index";
import { HandlingError, Run, args, fail, handle, log } from "./common";

const GROUP = "salvage-example";

function recordHeaders(m: KafkaMessage): Record<string, string> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) out[k] = Array.isArray(v) ? v[0] : v;
  return stringHeaders(out);
}

async function main(): Promise<void> {
  const a = args("Kafka", "kafka://127.0.0.1:9092 (or host:port,host:port)", "the topic to consume (Salvage produces repaired copies to it)");
  const brokers = a.broker.replace(/^kafka:\/\//, "").split(",");
  const run = new Run(a);
  const kafka = new Kafka({ clientId: a.consumer, brokers, logLevel: logLevel.ERROR, retry: { retries: 3 } });
  const consumer = kafka.consumer({ groupId: GROUP });
  const producer = kafka.producer();
  const deliveries = new Map<string, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: a.queue, fromBeginning: true });
  } catch (err) {
    fail(`Kafka at ${brokers.join(",")}: ${(err as Error).message}`);
  }
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));

  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (run.done()) return;
      const headers = recordHeaders(message);
      const where = `${topic}/${partition}/${message.offset}`;
      const id = headers["salvage-message-id"] || headers["ce_id"] || where;
      deliveries.set(where, (deliveries.get(where) ?? 0) + 1);
      const payload = message.value ?? Buffer.alloc(0);
      const commit = () => consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      let order;
      try {
        order = handle(payload);
      } catch (e) {
        if (!(e instanceof HandlingError)) throw e;
        const action = await run.report(e, {
          id,
          payload,
          headers,
          partitionKey: message.key?.toString("utf8") ?? "",
          contentType: headers["content-type"] ?? "",
          eventType: headers["salvage-event-type"] ?? "",
          deliveryAttempt: deliveries.get(where),
        });
        if (action === Action.DEAD_LETTER) {
          log(`dead-lettering ${id} (${where}) to ${topic}.dead`);
          await producer.connect();
          await producer.send({ topic: `${topic}.dead`, acks: -1, messages: [{ key: message.key, value: payload, headers: message.headers }] });
        } else if (action === Action.NACK_REQUEUE) {
          await new Promise((r) => setTimeout(r, 1000)); // the helper re-reported already
          throw new Error(`${id}: not recorded by Salvage, read it again`); // kafkajs seeks back
        }
        await commit();
        return;
      }
      run.handled(id, headers, order);
      await commit();
      if (run.done()) finished();
    },
  });
  const timer = setTimeout(finished, run.msLeft());
  await allDone;
  clearTimeout(timer);
  await consumer.disconnect();
  await producer.disconnect();
  run.finish();
}

main().catch((err) => fail(`error: ${err?.stack ?? err}`, 1));
