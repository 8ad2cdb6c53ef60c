/**
 * An example Redis Streams consumer (ioredis) that hands the messages it fails on to Salvage.
 *
 *   node dist/examples/redis_streams_consumer.js --salvage 127.0.0.1:50051 \
 *     --broker redis://127.0.0.1:6379/0 --queue orders --destination redis --count 2
 *
 * It reads the stream in a consumer group (created at 0 if missing, so entries added before it
 * started are read too). An entry has the fields Salvage writes on its copies: `id`, `payload`,
 * `headers` (a JSON object of strings), `content_type`, `event_type`, `partition_key`. The id
 * reported is the `id` field (Salvage's copies keep the original's there), else the entry id,
 * which is stable across redeliveries of that entry.
 *
 * On failure it reports and acts on the answer: any outcome -> XACK; UNAVAILABLE & co. -> leave
 * the entry pending (claimed again once idle 5 s, and reported again); INVALID_ARGUMENT -> copy
 * the entry to `<stream>:dead` and XACK. Prints one JSON summary line.
 */

import { hostname } from "node:os";

import Redis from "ioredis";

import { Action, stringHeaders } from "../index";
import { HandlingError, Run, args, fail, handle, log } from "./common";

const GROUP = "salvage-example";
const RECLAIM_IDLE_MS = 5000;

type Entry = [id: Buffer, fields: Buffer[]];

function fieldMap(fields: Buffer[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i].toString("utf8"), fields[i + 1]);
  return m;
}

async function main(): Promise<void> {
  const a = args("Redis Streams", "redis://127.0.0.1:6379/0", "the stream to consume (Salvage adds repaired copies to it)");
  const stream = a.queue;
  const dead = `${stream}:dead`;
  const consumerName = `${hostname()}-${a.consumer}`;
  const run = new Run(a);
  const r = new Redis(a.broker, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await r.connect();
  } catch (err) {
    fail(`cannot connect to Redis at ${a.broker}: ${(err as Error).message}`);
  }
  try {
    await r.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM");
  } catch (err) {
    if (!String(err).includes("BUSYGROUP")) fail(`XGROUP CREATE ${stream}: ${err}`);
  }

  const one = async (entryId: Buffer, raw: Buffer[], attempt: number): Promise<void> => {
    const f = fieldMap(raw);
    const id = f.get("id")?.toString("utf8") ?? entryId.toString("utf8");
    const payload = f.get("payload") ?? Buffer.alloc(0);
    let headers: Record<string, unknown> = {};
    const h = f.get("headers");
    if (h) {
      try {
        headers = JSON.parse(h.toString("utf8"));
      } catch {
        headers = { headers: h.toString("utf8") }; // not JSON: pass it on as it came
      }
    }
    let order;
    try {
      order = handle(payload);
    } catch (e) {
      if (!(e instanceof HandlingError)) throw e;
      const action = await run.report(e, {
        id,
        payload,
        headers,
        partitionKey: f.get("partition_key")?.toString("utf8") ?? "",
        contentType: f.get("content_type")?.toString("utf8") ?? "",
        eventType: f.get("event_type")?.toString("utf8") ?? "",
        deliveryAttempt: attempt,
      });
      if (action === Action.ACK) {
        await r.xack(stream, GROUP, entryId);
      } else if (action === Action.DEAD_LETTER) {
        log(`dead-lettering ${id} (entry ${entryId}) to ${dead}`);
        await r.xadd(dead, "*", ...raw);
        await r.xack(stream, GROUP, entryId);
      }
      // NACK_REQUEUE: leave it pending; it is claimed again once idle.
      return;
    }
    run.handled(id, stringHeaders(headers), order);
    await r.xack(stream, GROUP, entryId);
  };

  while (!run.done() && !run.expired()) {
    // Entries this group delivered before and nobody acknowledged (a consumer died, or a report
    // failed): claim them once idle long enough, and count their deliveries.
    const [, claimed] = (await r.callBuffer("XAUTOCLAIM", stream, GROUP, consumerName, RECLAIM_IDLE_MS, "0-0", "COUNT", 16)) as [
      Buffer,
      Array<Entry | null>,
    ];
    for (const entry of claimed) {
      if (!entry || !entry[1]) continue; // trimmed away meanwhile
      const pending = (await r.xpending(stream, GROUP, entry[0], entry[0], 1)) as Array<[string, string, number, number]>;
      await one(entry[0], entry[1], pending[0]?.[3] ?? 2);
    }
    const read = (await r.callBuffer("XREADGROUP", "GROUP", GROUP, consumerName, "COUNT", 16, "BLOCK", 200, "STREAMS", stream, ">")) as
      | Array<[Buffer, Entry[]]>
      | null;
    for (const [, entries] of read ?? []) {
      for (const [entryId, fields] of entries) {
        await one(entryId, fields, 1);
        if (run.done()) break;
      }
    }
  }
  r.disconnect();
  run.finish();
}

main().catch((err) => fail(`error: ${err?.stack ?? err}`, 1));
