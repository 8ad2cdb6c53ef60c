"""salvage_client: a thin Python client for Salvage (proto/salvage/v1/salvage.proto).

    from salvage_client import Salvage, Action, ReportError, action_for

The generated stubs are `salvage_client.pb` (messages) and `salvage_client.pb_grpc` (service
stubs), and `salvage_client.parking_lot_pb` / `parking_lot_pb_grpc` for the admin API.
"""

from salvage_client._gen.salvage.v1 import parking_lot_pb2 as parking_lot_pb
from salvage_client._gen.salvage.v1 import parking_lot_pb2_grpc as parking_lot_pb_grpc
from salvage_client._gen.salvage.v1 import salvage_pb2 as pb
from salvage_client._gen.salvage.v1 import salvage_pb2_grpc as pb_grpc
from salvage_client.client import (
    POISON_CODES,
    RETRYABLE_CODES,
    Action,
    ReportError,
    ReportStream,
    Salvage,
    action_for,
    build_request,
    header_value,
    outcome_name,
    string_headers,
)

__all__ = [
    "Action", "POISON_CODES", "RETRYABLE_CODES", "ReportError", "ReportStream", "Salvage",
    "action_for", "build_request", "header_value", "outcome_name", "parking_lot_pb",
    "parking_lot_pb_grpc", "pb", "pb_grpc", "string_headers",
]
__version__ = "0.1.0"
