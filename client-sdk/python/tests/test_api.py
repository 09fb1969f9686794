"""Filters, explanations, diversity, DeleteItems, ForgetUser and ExportUser without a recsys server.

The helpers are checked on the messages they build; the client against an in-process fake that
records what arrived and fails on purpose (UNAVAILABLE) to show which calls are retried.
"""
import threading
import unittest
from concurrent import futures

import grpc

from recsys_client import RecsysClient, filters as f
from recsys_client.pb import (
    admin_pb2,
    admin_pb2_grpc,
    catalog_pb2,
    catalog_pb2_grpc,
    recommender_pb2,
    recommender_pb2_grpc,
)


class FilterHelpersTest(unittest.TestCase):
    def test_equals_and_any_of_set_only_the_values(self):
        self.assertEqual(recommender_pb2.AttributeFilter(attribute="genre", any_of=["sf"]), f.equals("genre", "sf"))
        several = f.any_of("genre", ("sf", "fantasy"))
        self.assertEqual(["sf", "fantasy"], list(several.any_of))
        self.assertFalse(several.HasField("min"))
        self.assertFalse(several.HasField("max"))
        self.assertFalse(several.negate)

    def test_ranges_set_the_bounds_they_are_given(self):
        both = f.between("year", 1990, 2000)
        self.assertEqual((1990.0, 2000.0), (both.min.value, both.max.value))
        self.assertEqual(0, len(both.any_of))
        lower = f.at_least("year", 1990)
        self.assertTrue(lower.HasField("min"))
        self.assertFalse(lower.HasField("max"), "no upper bound")
        upper = f.at_most("price", 9.5)
        self.assertFalse(upper.HasField("min"), "no lower bound")
        self.assertEqual(9.5, upper.max.value)
        # A bound of 0 is still a bound: the wrapper tells it from an unset one.
        self.assertTrue(f.at_least("stock", 0).HasField("min"))
        self.assertIs(f.range_, f.between)

    def test_negate_flips_and_leaves_its_argument_alone(self):
        original = f.equals("language", "de")
        negated = f.negate(original)
        self.assertTrue(negated.negate)
        self.assertEqual(["de"], list(negated.any_of))
        self.assertFalse(original.negate, "the argument is not changed")
        self.assertEqual(original, f.negate(negated))
        self.assertEqual(1990.0, f.negate({"attribute": "year", "min": 1990}).min.value)

    def test_dicts_become_filters(self):
        self.assertEqual(f.between("year", 1990, 2000), f.as_filter({"attribute": "year", "min": 1990, "max": 2000}))
        self.assertEqual(f.equals("genre", "sf"), f.as_filter({"attribute": "genre", "any_of": ["sf"]}))

    def test_nonsense_fails_before_anything_is_sent(self):
        with self.assertRaises(ValueError):
            f.equals(" ", "x")
        with self.assertRaises(ValueError):
            f.any_of("genre", [])
        with self.assertRaises(TypeError):
            f.any_of("genre", "sf")  # a string is not a list of values
        with self.assertRaises(TypeError):
            f.any_of("year", [1990])
        with self.assertRaises(ValueError):
            f.between("year")
        with self.assertRaises(ValueError):
            f.between("year", 2000, 1990)
        with self.assertRaises(ValueError):
            f.at_least("year", float("nan"))
        with self.assertRaises(ValueError):
            f.at_most("year", float("inf"))
        with self.assertRaises(TypeError):
            f.as_filter("genre=sf")

    def test_recommend_request_carries_every_option(self):
        request = RecsysClient.recommend_request(
            "u1", 7, ["in-cart"], filters=[f.equals("genre", "sf"), {"attribute": "year", "max": 2000}],
            explain=True, diversity=0.25,
        )
        self.assertEqual(["in-cart"], list(request.exclude_item_ids))
        self.assertEqual([f.equals("genre", "sf"), f.at_most("year", 2000)], list(request.filters))
        self.assertTrue(request.explain)
        self.assertAlmostEqual(0.25, request.diversity, places=6)
        self.assertEqual(recommender_pb2.RecommendRequest(user_id="u", k=3), RecsysClient.recommend_request("u", 3))


class FakeServer(
    recommender_pb2_grpc.RecommenderServiceServicer,
    catalog_pb2_grpc.CatalogServiceServicer,
    admin_pb2_grpc.AdminServiceServicer,
):
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.failures_left = 0
        self.deleted = set()

    def _maybe_fail(self, context):
        with self.lock:
            fail = self.failures_left > 0
            self.failures_left -= 1
        if fail:
            context.abort(grpc.StatusCode.UNAVAILABLE, "draining")

    def _record(self, request):
        with self.lock:
            self.requests.append(request)

    def Recommend(self, request, context):
        self._record(request)
        items = [
            recommender_pb2.RecommendedItem(
                item_id="i1", position=0, propensity=1.0,
                explanation=recommender_pb2.Explanation(reason=recommender_pb2.REASON_POPULAR) if request.explain else None,
            )
        ]
        return recommender_pb2.RecommendResponse(event_id="e1", items=items)

    def DeleteItems(self, request, context):
        self._record(request)
        self._maybe_fail(context)
        with self.lock:
            fresh = [i for i in request.item_ids if i not in self.deleted]
            self.deleted.update(request.item_ids)
        missing = [i for i in request.item_ids if i not in fresh]
        return catalog_pb2.DeleteItemsResponse(deleted_count=len(fresh), missing_item_ids=missing, catalog_version=2)

    def ForgetUser(self, request, context):
        self._record(request)
        self._maybe_fail(context)
        return admin_pb2.ForgetUserResponse(found=request.user_id == "known", audit_id="a1")

    def ExportUser(self, request, context):
        self._record(request)
        if request.user_id != "known":
            return admin_pb2.ExportUserResponse()
        return admin_pb2.ExportUserResponse(found=True, disliked_item_ids=["d1"])


class ClientAgainstAFakeTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeServer()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        recommender_pb2_grpc.add_RecommenderServiceServicer_to_server(self.fake, self.server)
        catalog_pb2_grpc.add_CatalogServiceServicer_to_server(self.fake, self.server)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(self.fake, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.addCleanup(self.server.stop, None)
        self.client = RecsysClient(f"127.0.0.1:{port}", deadline=5, max_attempts=3)
        self.addCleanup(self.client.close)

    def test_recommend_sends_filters_explain_and_diversity(self):
        response = self.client.recommend(
            "u1", 5, exclude=["x"], filters=[f.negate(f.any_of("genre", ["horror"])), f.between("year", 1990, 2000)],
            explain=True, diversity=0.5,
        )
        sent = self.fake.requests[-1]
        self.assertEqual(RecsysClient.recommend_request(
            "u1", 5, ["x"], filters=[f.negate(f.any_of("genre", ["horror"])), f.between("year", 1990, 2000)],
            explain=True, diversity=0.5), sent)
        self.assertEqual(recommender_pb2.REASON_POPULAR, response.items[0].explanation.reason)
        plain = self.client.recommend("u1", 5)
        self.assertFalse(plain.items[0].HasField("explanation"))
        self.assertFalse(self.fake.requests[-1].explain)
        self.assertEqual(0, len(self.fake.requests[-1].filters))

    def test_delete_items_is_retried_and_a_repeat_lists_the_ids_as_missing(self):
        self.fake.failures_left = 1
        first = self.client.delete_items(["a", "b"])
        self.assertEqual(2, len(self.fake.requests), "one UNAVAILABLE, one retry")
        self.assertEqual(2, first.deleted_count)
        again = self.client.delete_items(iter(["b", "c"]))
        self.assertEqual(1, again.deleted_count)
        self.assertEqual(["b"], list(again.missing_item_ids))
        with self.assertRaises(TypeError):
            self.client.delete_items("abc")

    def test_forget_user_is_retried_and_export_user_reads(self):
        self.fake.failures_left = 2
        self.assertTrue(self.client.forget_user("known", deadline=3).found)
        self.assertEqual(3, len(self.fake.requests), "two UNAVAILABLE, then the answer")
        self.assertFalse(self.client.forget_user("stranger").found)
        self.assertFalse(self.client.export_user("stranger").found)
        self.assertEqual(["d1"], list(self.client.export_user("known").disliked_item_ids))

    def test_a_server_error_is_an_rpc_error(self):
        self.fake.failures_left = 5
        with self.assertRaises(grpc.RpcError) as failure:
            self.client.forget_user("known")
        self.assertEqual(grpc.StatusCode.UNAVAILABLE, failure.exception.code())


if __name__ == "__main__":
    unittest.main()
