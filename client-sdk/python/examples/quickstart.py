#!/usr/bin/env python3
"""Ask for a list, react to its top item, and see the server count the reaction.

    python3 generate.py                       # once, in client-sdk/python
    PYTHONPATH=. python3 examples/quickstart.py [host:port]
"""
import sys

import grpc

from recsys_client import RecsysClient, feedback_event
from recsys_client.pb import feedback_pb2

target = sys.argv[1] if len(sys.argv) > 1 else "localhost:50051"
with RecsysClient(target) as client:
    before = client.status().feedback_events_durable
    top = client.recommend("user-42", 5)
    print(f"list {top.event_id} from model {top.model_version}:")
    for item in top.items:
        print(f"  {item.position}. {item.item_id}  score {item.score:.4f}  {client.get_item(item.item_id).title}")

    with client.feedback_stream() as stream:
        ack = stream.send(feedback_event(top.event_id, "user-42", top.items[0].item_id, "click")).result(5)
    print(f"click on {ack.item_id}: {feedback_pb2.FeedbackStatus.Name(ack.status)}")
    print(f"durable feedback events: {before} -> {client.status().feedback_events_durable}")

    try:
        client.recommend("user-42", 0)
    except grpc.RpcError as e:
        print(f"k = 0: {e.code().name}: {e.details()}")
