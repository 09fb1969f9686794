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

from recsys_client import RecsysClient, feedback_event, filters
from recsys_client.pb import admin_pb2, feedback_pb2, recommender_pb2

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

    # Lists, the catalog and users' data. These tests send no feedback (the suite's event count stays
    # what PythonSdkTest expects), use their own user ids, and delete only an item of the server's
    # own catalog ("item-..."), none the other tests upsert.

    def test_explain_gives_every_item_a_reason(self):
        response = self.client.recommend("py-sdk-explained", 10, explain=True)
        self.assertEqual(10, len(response.items))
        for item in response.items:
            self.assertTrue(item.HasField("explanation"), f"{item.item_id} has an explanation")
            reason = item.explanation.reason
            self.assertNotEqual(recommender_pb2.REASON_UNSPECIFIED, reason, f"{item.item_id} has a reason")
            self.assertEqual(item.explored, reason == recommender_pb2.REASON_EXPLORING,
                             f"{item.item_id}: exploring is the reason exactly when exploration drew it")
            if reason == recommender_pb2.REASON_EXPLORING:
                self.assertAlmostEqual(item.propensity, item.explanation.propensity, places=6)
            # A user without a single reaction has no items of their own to be similar to.
            self.assertEqual([], list(item.explanation.similar_items), item.item_id)
        plain = self.client.recommend("py-sdk-explained", 10)
        self.assertFalse(any(item.HasField("explanation") for item in plain.items), "explanations only on request")

    def test_a_filter_on_an_attribute_no_item_has_is_invalid_argument(self):
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.recommend("py-sdk-filtered", 5, filters=[filters.equals("py_no_such_attribute", "x")])
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, failure.exception.code())
        self.assertIn("'py_no_such_attribute'", failure.exception.details())

    def test_filters_keep_exactly_the_matching_items(self):
        some = self.direct.recommend("py-sdk-filtered", 1).items[0].item_id
        dimension = len(self.direct.get_item(some).embedding)
        self.direct.upsert_items([
            {"item_id": "py-sdk-shelf-a", "title": "shelf a", "attributes": {"py_shelf": "a", "py_year": "1990"},
             "embedding": [0.1] * dimension},
            {"item_id": "py-sdk-shelf-b", "title": "shelf b", "attributes": {"py_shelf": "b", "py_year": "2010"},
             "embedding": [-0.1] * dimension},
        ])
        ids = lambda response: [item.item_id for item in response.items]
        recommend = lambda *conditions, k=10: ids(self.client.recommend("py-sdk-filtered", k, filters=list(conditions)))
        self.assertEqual(["py-sdk-shelf-a"], recommend(filters.equals("py_shelf", "a")))
        self.assertEqual({"py-sdk-shelf-a", "py-sdk-shelf-b"}, set(recommend(filters.any_of("py_shelf", ["a", "b"]))))
        self.assertEqual(["py-sdk-shelf-b"], recommend(filters.at_least("py_year", 2000)))
        self.assertEqual(["py-sdk-shelf-a"], recommend(filters.between("py_year", 1980, 2000)))
        self.assertEqual([], recommend(filters.equals("py_shelf", "a"), filters.at_least("py_year", 2000)), "filters AND")
        others = recommend(filters.negate(filters.equals("py_shelf", "a")))
        self.assertEqual(10, len(others), "k items whenever k match")
        self.assertNotIn("py-sdk-shelf-a", others)

    def test_diversity_above_1_is_invalid_argument(self):
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.recommend("py-sdk-diverse", 5, diversity=1.5)
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, failure.exception.code())
        diverse = self.client.recommend("py-sdk-diverse", 10, diversity=1.0)
        self.assertEqual(10, len({item.item_id for item in diverse.items}), "diversity 1 still fills k distinct items")

    def test_a_deleted_item_is_never_served_again_and_a_second_delete_lists_it_missing(self):
        user = "py-sdk-deleter"
        first = self.client.recommend(user, 10)
        victim = next(item.item_id for item in first.items if item.item_id.startswith("item-"))
        # Set-up on the server itself: through the cutter a retried call could be the one to answer.
        deleted = self.direct.delete_items([victim])
        self.assertEqual(1, deleted.deleted_count)
        self.assertEqual([], list(deleted.missing_item_ids))
        self.assertGreater(deleted.catalog_version, first.catalog_version)
        self.assertNotIn(victim, [item.item_id for item in self.client.recommend(user, 10).items])
        everything = self.client.recommend(user, 500)
        self.assertNotIn(victim, [item.item_id for item in everything.items], "not anywhere in the catalog's list")
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.get_item(victim)
        self.assertEqual(grpc.StatusCode.NOT_FOUND, failure.exception.code())
        again = self.client.delete_items([victim])
        self.assertEqual(0, again.deleted_count)
        self.assertEqual([victim], list(again.missing_item_ids))

    def test_a_user_the_server_never_saw_is_not_found_by_forget_or_export(self):
        user = "py-sdk-never-seen-user"
        forgotten = self.client.forget_user(user)
        self.assertFalse(forgotten.found)
        self.assertEqual(0, forgotten.log_records_removed)
        self.assertEqual(0, forgotten.transitions_removed)
        exported = self.client.export_user(user)
        self.assertFalse(exported.found)
        self.assertEqual([], list(exported.impressions))
        self.assertEqual([], list(exported.logged_reactions))
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.forget_user("")
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, failure.exception.code())

    def test_export_shows_a_users_list_and_reaction_and_forget_erases_them(self):
        user = "py-sdk-forgotten-user"
        served = self.direct.recommend(user, 5)
        clicked = served.items[0].item_id
        ack = self.direct.report_feedback(feedback_event(served.event_id, user, clicked, "click"))
        self.assertEqual(feedback_pb2.FEEDBACK_STATUS_ACCEPTED, ack.status, ack.reason)

        exported = self.client.export_user(user)
        self.assertTrue(exported.found)
        self.assertEqual([served.event_id], [i.event_id for i in exported.impressions])
        self.assertEqual([item.item_id for item in served.items], list(exported.impressions[0].item_ids))
        self.assertEqual([(served.event_id, clicked, "click")],
                         [(r.event_id, r.item_id, r.type) for r in exported.logged_reactions])
        # On the server itself: through the cutter a retry of a forget that went through says found=False.
        forgotten = self.direct.forget_user(user)
        self.assertTrue(forgotten.found)
        self.assertEqual(2, forgotten.log_records_removed)
        self.assertTrue(forgotten.audit_id)
        self.assertFalse(self.client.export_user(user).found)
        self.assertFalse(self.client.forget_user(user).found)

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
