"""An in-process grpc server that plays the server's side of StreamFeedback by a script."""
import threading
from concurrent import futures
from typing import List, Optional

import grpc

from recsys_client.pb import admin_pb2, admin_pb2_grpc, feedback_pb2, feedback_pb2_grpc


class CallPlan:
    """How one StreamFeedback call behaves.

    ack_first: acknowledge only this many events (None: all); cut_after: abort the call with
    ``cut_code`` once this many events arrived (None: never); hold: an Event the call waits on
    before each acknowledgement (None: answer at once).
    """

    def __init__(self, ack_first=None, cut_after=None, cut_code=grpc.StatusCode.UNAVAILABLE, hold=None):
        self.ack_first = ack_first
        self.cut_after = cut_after
        self.cut_code = cut_code
        self.hold: Optional[threading.Event] = hold


class FakeFeedback(feedback_pb2_grpc.FeedbackServiceServicer, admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, plans: List[CallPlan] = ()):
        self.plans = list(plans)
        self.calls: List[List[str]] = []  # the event ids each call received, in order
        self.stored = set()
        self.authorizations: List[str] = []
        self.lock = threading.Lock()

    def StreamFeedback(self, request_iterator, context):
        with self.lock:
            plan = self.plans.pop(0) if self.plans else CallPlan()
            received: List[str] = []
            self.calls.append(received)
        acked = 0
        for request in request_iterator:
            events = [request.event] if request.HasField("event") else list(request.events)
            acks = []
            for event in events:
                received.append(event.event_id)
                if plan.ack_first is not None and acked >= plan.ack_first:
                    continue
                acked += 1
                acks.append(self._ack(event))
            for ack in acks:
                if plan.hold is not None:
                    plan.hold.wait(10)
                yield feedback_pb2.StreamFeedbackResponse(ack=ack)
            if plan.cut_after is not None and len(received) >= plan.cut_after:
                context.abort(plan.cut_code, "cut by the test")

    def _ack(self, event):
        if event.event_id.startswith("bad"):
            status, reason = feedback_pb2.FEEDBACK_STATUS_REJECTED, "bad by the test"
        else:
            key = (event.event_id, event.item_id, event.type)
            with self.lock:
                fresh = key not in self.stored
                self.stored.add(key)
            status = feedback_pb2.FEEDBACK_STATUS_ACCEPTED if fresh else feedback_pb2.FEEDBACK_STATUS_DUPLICATE
            reason = ""
        return feedback_pb2.FeedbackAck(
            event_id=event.event_id, item_id=event.item_id, type=event.type, status=status, reason=reason
        )

    def GetStatus(self, request, context):
        self.authorizations.append(dict(context.invocation_metadata()).get("authorization", ""))
        return admin_pb2.GetStatusResponse(model_version="fake")


class Running:
    """A started fake server on a free loopback port."""

    def __init__(self, servicer: FakeFeedback):
        self.servicer = servicer
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        feedback_pb2_grpc.add_FeedbackServiceServicer_to_server(servicer, self.server)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(servicer, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.target = f"127.0.0.1:{self.port}"

    def stop(self):
        self.server.stop(grace=None)
