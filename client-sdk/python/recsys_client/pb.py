"""The generated recsys.v1 messages and stubs (recsys_client.pb.feedback_pb2, ...), with a clear error when they were not generated."""
try:
    from recsys_client._gen.recsys.v1 import admin_pb2, admin_pb2_grpc
    from recsys_client._gen.recsys.v1 import catalog_pb2, catalog_pb2_grpc
    from recsys_client._gen.recsys.v1 import feedback_pb2, feedback_pb2_grpc
    from recsys_client._gen.recsys.v1 import recommender_pb2, recommender_pb2_grpc
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        "recsys_client's gRPC stubs are not generated: run `python3 generate.py` in client-sdk/python"
    ) from e

__all__ = [
    "admin_pb2",
    "admin_pb2_grpc",
    "catalog_pb2",
    "catalog_pb2_grpc",
    "feedback_pb2",
    "feedback_pb2_grpc",
    "recommender_pb2",
    "recommender_pb2_grpc",
]
