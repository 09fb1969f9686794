"""Python client for the recsys.v1 gRPC API.

    from recsys_client import RecsysClient, feedback_event, filters

    with RecsysClient("localhost:50051") as client:
        top = client.recommend("user-42", 10)
        sf = client.recommend("user-42", 10, filters=[filters.equals("genre", "sf")], explain=True)
        with client.feedback_stream() as stream:
            stream.send(feedback_event(top.event_id, "user-42", top.items[0].item_id, "click"))

Messages are the generated protobuf classes (``recsys_client.pb``); errors are ``grpc.RpcError``
(``.code()``, ``.details()``), and ``FeedbackStreamError`` when a feedback stream gives up.
"""
from recsys_client import filters, pb
from recsys_client.client import RecsysClient, feedback_event
from recsys_client.feedback_stream import FeedbackStream, FeedbackStreamError

__all__ = ["RecsysClient", "FeedbackStream", "FeedbackStreamError", "feedback_event", "filters", "pb"]
__version__ = "0.1.0"
