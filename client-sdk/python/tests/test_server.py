"""The SDK against a running recsys server (skipped unless RECSYS_TARGET is set).

  RECSYS_TARGET         where the SDK connects; in PythonSdkTest a proxy that severs every
                        connection now and then
  RECSYS_DIRECT_TARGET  the server itself, for set-up calls (default RECSYS_TARGET)
  RECSYS_RESULT_FILE    where the feedback test writes how many distinct events were acknowledged
"""
import os
import unittest
from concurrent.futures import ThreadPoolExecutor

import grpc

from recsys_client import RecsysClient, feedback_event
from recsys_client.pb import admin_pb2, feedback_pb2

TARGET = os.environ.get("RECSYS_TARGET")


@unittest.skipUnless(TARGET, "RECSYS_TARGET is not set")
class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = RecsysClient(TARGET, deadline=15)
        cls.direct = RecsysClient(os.environ.get("RECSYS_DIRECT_TARGET", TARGET), deadline=15)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.direct.close()

    def test_recommend_returns_k_items_and_honours_exclusions(self):
        response = self.client.recommend("py-sdk-user", 10)
        self.assertEqual(10, len(response.items))
        self.assertTrue(response.event_id)
        self.assertTrue(response.model_version)
        self.assertEqual(list(range(10)), [item.position for item in response.items])
        excluded = response.items[0].item_id
        again = self.client.recommend("py-sdk-user", 10, exclude=[excluded])
        self.assertNotIn(excluded, [item.item_id for item in again.items])

    def test_k_zero_is_invalid_argument(self):
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.recommend("py-sdk-user", 0)
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, failure.exception.code())

    def test_an_unknown_item_is_not_found(self):
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.get_item("no-such-item-anywhere")
        self.assertEqual(grpc.StatusCode.NOT_FOUND, failure.exception.code())

    def test_an_upserted_item_reads_back(self):
        some = self.client.recommend("py-sdk-upserter", 1).items[0].item_id
        dimension = len(self.client.get_item(some).embedding)
        embedding = [0.25 if i % 2 == 0 else -0.25 for i in range(dimension)]
        response = self.client.upsert_items(
            [{"item_id": "py-sdk-item", "title": "  Python SDK item ", "text": "upserted by the Python SDK test",
              "attributes": {"source": "python"}, "embedding": embedding}]
        )
        self.assertEqual(1, response.created_count + response.updated_count)
        self.assertGreater(response.catalog_version, 0)
        item = self.client.get_item("py-sdk-item")
        self.assertEqual("Python SDK item", item.title)
        self.assertEqual("python", item.attributes["source"])
        self.assertEqual(dimension, len(item.embedding))

    def test_an_upsert_with_a_wrong_dimension_is_invalid_argument(self):
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.upsert_items([{"item_id": "py-sdk-bad", "title": "bad", "embedding": [1.0, 2.0]}])
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, failure.exception.code())

    def test_status_versions_and_training_pause(self):
        status = self.client.status()
        self.assertTrue(status.model_version)
        self.assertGreater(status.catalog_size, 0)
        versions = self.client.list_model_versions()
        self.assertIn(status.model_version, [v.version for v in versions])
        self.assertTrue(self.client.set_training_paused(True))
        self.assertTrue(self.client.status().training_paused)
        self.assertFalse(self.client.set_training_paused(False))
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.pin_model_version("no-such-version")
        self.assertIn(failure.exception.code(), (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT))

    def test_report_feedback_counts_an_event_once(self):
        response = self.direct.recommend("py-sdk-reporter", 3)
        event = feedback_event(response.event_id, "py-sdk-reporter", response.items[0].item_id, "like")
        self.assertEqual(feedback_pb2.FEEDBACK_STATUS_ACCEPTED, self.client.report_feedback(event).status)
        self.assertEqual(feedback_pb2.FEEDBACK_STATUS_DUPLICATE, self.client.report_feedback(event).status)

    def test_3000_clicks_through_a_connection_cutter_are_each_acknowledged_once(self):
        users, per_list = 300, 10
        with ThreadPoolExecutor(8) as pool:
            lists = list(pool.map(lambda u: (u, self.direct.recommend(f"py-stream-{u}", per_list)), range(users)))
        batch = [
            feedback_event(response.event_id, f"py-stream-{u}", item.item_id, "click")
            for u, response in lists
            for item in response.items
        ]
        self.assertEqual(users * per_list, len(batch))
        with self.client.feedback_stream(window=200, initial_backoff=0.05, max_backoff=1.0) as stream:
            futures = [stream.send(event, timeout=60) for event in batch]
        acks = [future.result() for future in futures]
        key = lambda e: (e.event_id, e.item_id, e.type)
        for i, (ack, event) in enumerate(zip(acks, batch)):
            self.assertIn(ack.status, (feedback_pb2.FEEDBACK_STATUS_ACCEPTED, feedback_pb2.FEEDBACK_STATUS_DUPLICATE),
                          f"event {i}: {ack.reason}")
            self.assertEqual(key(event), key(ack), f"ack {i} answers event {i}")
        distinct = {key(ack) for ack in acks}
        self.assertEqual(len(batch), len(distinct))
        duplicates = sum(ack.status == feedback_pb2.FEEDBACK_STATUS_DUPLICATE for ack in acks)
        print(f"feedback: {len(distinct)} distinct events, {stream.reconnects} reconnects, {duplicates} duplicates")
        result = os.environ.get("RECSYS_RESULT_FILE")
        if result:
            with open(result, "w") as f:
                f.write(f"{len(distinct)}\n")


if __name__ == "__main__":
    unittest.main()
