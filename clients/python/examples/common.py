"""What the three example consumers share: the command line, the handling, the report, the summary.

The handling is the example's business logic: the body must be JSON with a numeric `total`. A
failure says how it failed (class, code, message) so Salvage's rules can match it; the example
rules (examples/rules.toml, `order-total-as-string`) repair a total sent as a string on queues
named `orders*` and requeue the repaired copy.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from typing import Any

from salvage_client import Action, ReportError, Salvage, action_for, outcome_name


class HandlingError(Exception):
    """Why handling a message failed, in the terms of a Salvage `Failure`."""

    def __init__(self, code: str, message: str, error_class: str = "DATA"):
        super().__init__(message)
        self.code = code
        self.error_class = error_class


def handle(body: bytes) -> dict:
    """The consumer's own work: parse the order and require a numeric total."""
    try:
        order = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HandlingError("MALFORMED_JSON", f"not JSON: {err}") from err
    if not isinstance(order, dict):
        raise HandlingError("INVALID_TYPE", "expected a JSON object")
    if "total" not in order:
        raise HandlingError("MISSING_FIELD", "total: missing")
    total = order["total"]
    if isinstance(total, bool) or not isinstance(total, (int, float)):
        raise HandlingError("INVALID_TYPE",
                            f"total: expected a number, got {type(total).__name__}")
    return order


def parse_args(broker: str, url_example: str, queue_help: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=f"An example {broker} consumer that reports the messages it fails on to "
                    "Salvage and acknowledges them by its answer. Prints one JSON summary line.")
    p.add_argument("--salvage", default="127.0.0.1:50051",
                   help="Salvage's gRPC address, host:port (default %(default)s)")
    p.add_argument("--broker", required=True, help=f"the broker URL, e.g. {url_example}")
    p.add_argument("--queue", required=True, help=queue_help)
    p.add_argument("--destination", default="",
                   help="the Salvage destination the queue belongs to (its name in Salvage's "
                        "configuration; empty: Salvage's default_destination)")
    p.add_argument("--count", type=int, default=1,
                   help="exit after this many messages were handled successfully")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="give up (exit 3) after this many seconds")
    p.add_argument("--consumer", default="example-consumer",
                   help="the consumer's name, sent in failure.consumer")
    return p.parse_args()


class Run:
    """Counts what happened and prints the summary line."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.salvage = Salvage(args.salvage)
        self.processed: list[str] = []
        self.repaired: list[str] = []
        self.reported: collections.Counter = collections.Counter()
        self.actions: collections.Counter = collections.Counter()
        self.deadline = time.monotonic() + args.timeout

    def done(self) -> bool:
        return len(self.processed) >= self.args.count

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def handled(self, msg_id: str, headers: dict[str, str], order: dict) -> None:
        tracking = headers.get("salvage-tracking-id")
        self.processed.append(msg_id)
        if tracking:
            self.repaired.append(msg_id)
            log(f"processed {msg_id}: a copy Salvage requeued (salvage-tracking-id {tracking}, "
                f"rule {headers.get('salvage-rule', '-')}, attempt "
                f"{headers.get('salvage-attempt', '-')}), total {order['total']!r}")
        else:
            log(f"processed {msg_id}: total {order['total']!r}")

    def report(self, err: HandlingError, **fields: Any) -> Action:
        """Report a failed message; return what to do with it on the broker."""
        try:
            resp = self.salvage.report_failure(
                code=err.code, error_class=err.error_class, message=str(err),
                consumer=self.args.consumer, destination=self.args.destination,
                queue=self.args.queue, **fields)
        except ReportError as rerr:
            action = action_for(rerr)
            self.reported[f"error:{rerr.code.name}"] += 1
            log(f"report of {fields['id']} failed: {rerr} -> {action.name}")
        else:
            action = action_for(resp)
            self.reported[outcome_name(resp)] += 1
            log(f"reported {fields['id']} ({err.code}): {outcome_name(resp)} "
                f"tracking_id={resp.tracking_id} rule={resp.rule or '-'} reason={resp.reason!r}"
                f" -> {action.name}")
        self.actions[action.value] += 1
        return action

    def finish(self) -> None:
        summary = {
            "processed": self.processed,
            "repaired": self.repaired,
            "reported": dict(self.reported),
            "actions": dict(self.actions),
            "ok": self.done(),
        }
        print(json.dumps(summary, separators=(",", ":")), flush=True)
        self.salvage.close()
        if not self.done():
            log(f"timeout: {len(self.processed)} of {self.args.count} messages processed "
                f"within {self.args.timeout}s")
            sys.exit(3)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fail(line: str, code: int = 2) -> None:
    log(line)
    sys.exit(code)
