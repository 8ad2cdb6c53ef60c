/**
 * What the three example consumers share: the command line, the handling, the report, the
 * summary. The handling is the example's business logic: the body must be JSON with a numeric
 * `total`. A failure says how it failed (class, code, message) so Salvage's rules can match it;
 * the example rules (examples/rules.toml, `order-total-as-string`) repair a total sent as a
 * string on queues named `orders*` and requeue the repaired copy.
 */

import { parseArgs } from "node:util";

import { Action, type FailureReport, ReportError, Salvage, actionFor, outcomeName } from "../index";

export class HandlingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errorClass: "TRANSIENT" | "DATA" | "UNKNOWN" = "DATA",
  ) {
    super(message);
  }
}

export interface Order {
  total: number;
  [k: string]: unknown;
}

/** The consumer's own work: parse the order and require a numeric total. */
export function handle(body: Buffer | Uint8Array | string): Order {
  let order: unknown;
  try {
    order = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch (err) {
    throw new HandlingError("MALFORMED_JSON", `not JSON: ${(err as Error).message}`);
  }
  if (typeof order !== "object" || order === null || Array.isArray(order)) {
    throw new HandlingError("INVALID_TYPE", "expected a JSON object");
  }
  const o = order as Record<string, unknown>;
  if (!("total" in o)) throw new HandlingError("MISSING_FIELD", "total: missing");
  if (typeof o.total !== "number") {
    throw new HandlingError("INVALID_TYPE", `total: expected a number, got ${o.total === null ? "null" : typeof o.total}`);
  }
  return o as Order;
}

export interface Args {
  salvage: string;
  broker: string;
  queue: string;
  destination: string;
  count: number;
  timeout: number;
  consumer: string;
}

export function args(broker: string, urlExample: string, queueHelp: string): Args {
  const usage =
    `An example ${broker} consumer that reports the messages it fails on to Salvage and ` +
    `acknowledges them by its answer. Prints one JSON summary line.\n\n` +
    `  --salvage HOST:PORT   Salvage's gRPC address (default 127.0.0.1:50051)\n` +
    `  --broker URL          the broker URL, e.g. ${urlExample}\n` +
    `  --queue NAME          ${queueHelp}\n` +
    `  --destination NAME    the Salvage destination of the queue (default: Salvage's default_destination)\n` +
    `  --count N             exit after N messages were handled successfully (default 1)\n` +
    `  --timeout SECONDS     give up (exit 3) after this long (default 30)\n` +
    `  --consumer NAME       sent in failure.consumer (default example-consumer)\n`;
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        salvage: { type: "string", default: "127.0.0.1:50051" },
        broker: { type: "string" },
        queue: { type: "string" },
        destination: { type: "string", default: "" },
        count: { type: "string", default: "1" },
        timeout: { type: "string", default: "30" },
        consumer: { type: "string", default: "example-consumer" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (!values.broker || !values.queue) fail(`--broker and --queue are required\n\n${usage}`);
  return {
    salvage: values.salvage!,
    broker: values.broker!,
    queue: values.queue!,
    destination: values.destination!,
    count: Number(values.count),
    timeout: Number(values.timeout),
    consumer: values.consumer!,
  };
}

/** Counts what happened and prints the summary line. */
export class Run {
  readonly salvage: Salvage;
  readonly processed: string[] = [];
  readonly repaired: string[] = [];
  readonly reported: Record<string, number> = {};
  readonly actions: Record<string, number> = {};
  private readonly deadline: number;

  constructor(readonly args: Args) {
    this.salvage = new Salvage(args.salvage);
    this.deadline = Date.now() + args.timeout * 1000;
  }

  done(): boolean {
    return this.processed.length >= this.args.count;
  }

  expired(): boolean {
    return Date.now() >= this.deadline;
  }

  msLeft(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  handled(id: string, headers: Record<string, string>, order: Order): void {
    this.processed.push(id);
    const tracking = headers["salvage-tracking-id"];
    if (tracking) {
      this.repaired.push(id);
      log(
        `processed ${id}: a copy Salvage requeued (salvage-tracking-id ${tracking}, rule ` +
          `${headers["salvage-rule"] ?? "-"}, attempt ${headers["salvage-attempt"] ?? "-"}), total ${order.total}`,
      );
    } else {
      log(`processed ${id}: total ${order.total}`);
    }
  }

  /** Report a failed message; resolve to what to do with it on the broker. */
  async report(
    err: HandlingError,
    fields: Omit<FailureReport, "code" | "errorClass" | "message" | "consumer" | "destination" | "queue">,
  ): Promise<Action> {
    let action: Action;
    try {
      const resp = await this.salvage.reportFailure({
        ...fields,
        code: err.code,
        errorClass: err.errorClass,
        message: err.message,
        consumer: this.args.consumer,
        destination: this.args.destination,
        queue: this.args.queue,
      });
      action = actionFor(resp);
      const name = outcomeName(resp);
      this.reported[name] = (this.reported[name] ?? 0) + 1;
      log(
        `reported ${fields.id} (${err.code}): ${name} tracking_id=${resp.tracking_id} ` +
          `rule=${resp.rule || "-"} reason=${JSON.stringify(resp.reason)} -> ${action}`,
      );
    } catch (e) {
      if (!(e instanceof ReportError)) throw e;
      action = actionFor(e);
      const key = `error:${e.codeName}`;
      this.reported[key] = (this.reported[key] ?? 0) + 1;
      log(`report of ${fields.id} failed: ${e.message} -> ${action}`);
    }
    this.actions[action] = (this.actions[action] ?? 0) + 1;
    return action;
  }

  /** Print the summary; exit 3 if COUNT messages were not processed in time. */
  finish(): void {
    const summary = {
      processed: this.processed,
      repaired: this.repaired,
      reported: this.reported,
      actions: this.actions,
      ok: this.done(),
    };
    this.salvage.close();
    process.stdout.write(JSON.stringify(summary) + "\n", () => {
      if (!this.done()) {
        log(`timeout: ${this.processed.length} of ${this.args.count} messages processed within ${this.args.timeout}s`);
      }
      process.exit(this.done() ? 0 : 3);
    });
  }
}

export function log(line: string): void {
  process.stderr.write(line + "\n");
}

export function fail(line: string, code = 2): never {
  log(line);
  process.exit(code);
}
