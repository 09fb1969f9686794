"""FeedbackStream against an in-process fake server: what is resent, what fails, what blocks."""
import os
import socket
import tempfile
import threading
import time
import unittest

import grpc

from recsys_client import FeedbackStreamError, RecsysClient, feedback_event
from recsys_client.pb import feedback_pb2
from tests.fake_server import CallPlan, FakeFeedback, Running


def events(n, prefix="e"):
    return [feedback_event(f"{prefix}{i}", "u", f"item-{i}", "click") for i in range(n)]


class FeedbackStreamTest(unittest.TestCase):
    def start(self, *plans):
        running = Running(FakeFeedback(plans))
        self.addCleanup(running.stop)
        client = RecsysClient(running.target)
        self.addCleanup(client.close)
        return running.servicer, client

    def test_after_a_cut_it_resends_exactly_the_unacknowledged_in_order(self):
        fake, client = self.start(CallPlan(ack_first=20, cut_after=50))
        batch = events(50)
        with client.feedback_stream(initial_backoff=0.01) as stream:
            acks = [stream.send(event) for event in batch]
            results = [future.result(10) for future in acks]
        ids = [event.event_id for event in batch]
        self.assertEqual(2, len(fake.calls), "one cut, one reconnect")
        self.assertEqual(ids[:20], fake.calls[0][:20])
        self.assertEqual(ids[20:], fake.calls[1], "the second call carries exactly the 30 unacknowledged")
        self.assertEqual(ids, [ack.event_id for ack in results], "acknowledgements in send order")
        self.assertTrue(all(ack.status == feedback_pb2.FEEDBACK_STATUS_ACCEPTED for ack in results))
        self.assertEqual(50, len(fake.stored))
        self.assertEqual(1, stream.reconnects)

    def test_a_rejected_event_resolves_and_is_never_resent(self):
        fake, client = self.start()
        with client.feedback_stream() as stream:
            bad = stream.send(feedback_event("bad-1", "u", "i", "click"))
            good = stream.send(feedback_event("good-1", "u", "i", "click"))
        self.assertEqual(feedback_pb2.FEEDBACK_STATUS_REJECTED, bad.result(5).status)
        self.assertEqual("bad by the test", bad.result(5).reason)
        self.assertEqual(feedback_pb2.FEEDBACK_STATUS_ACCEPTED, good.result(5).status)
        self.assertEqual([["bad-1", "good-1"]], fake.calls)

    def test_a_status_that_is_not_a_broken_connection_fails_every_outstanding_event(self):
        fake, client = self.start(CallPlan(ack_first=0, cut_after=3, cut_code=grpc.StatusCode.PERMISSION_DENIED))
        stream = client.feedback_stream(initial_backoff=0.01)
        futures = [stream.send(event) for event in events(3)]
        for future in futures:
            with self.assertRaises(FeedbackStreamError) as failure:
                future.result(10)
            self.assertEqual(grpc.StatusCode.PERMISSION_DENIED, failure.exception.code)
        with self.assertRaises(FeedbackStreamError):
            stream.send(events(1, "later")[0])
        with self.assertRaises(FeedbackStreamError):
            stream.close(5)
        self.assertEqual(1, len(fake.calls), "no reconnect after PERMISSION_DENIED")

    def test_at_most_window_events_are_unacknowledged(self):
        hold = threading.Event()
        fake, client = self.start(CallPlan(hold=hold))
        stream = client.feedback_stream(window=4)
        futures = [stream.send(event) for event in events(4)]
        with self.assertRaises(TimeoutError):
            stream.send(events(1, "fifth")[0], timeout=0.3)
        self.assertEqual(4, stream.unacknowledged)
        self.assertLessEqual(sum(len(call) for call in fake.calls), 4, "the fifth never reached the server")
        hold.set()
        fifth = stream.send(events(1, "fifth")[0], timeout=5)
        stream.close(10)
        self.assertTrue(all(future.done() for future in futures + [fifth]))
        self.assertEqual(5, len(fake.stored))

    def test_close_waits_for_every_acknowledgement(self):
        hold = threading.Event()
        fake, client = self.start(CallPlan(hold=hold))
        stream = client.feedback_stream()
        futures = [stream.send(event) for event in events(10)]
        threading.Timer(0.3, hold.set).start()
        started = time.monotonic()
        stream.close(10)
        self.assertGreaterEqual(time.monotonic() - started, 0.25)
        self.assertTrue(all(future.done() and future.exception() is None for future in futures))
        with self.assertRaises(RuntimeError):
            stream.send(events(1, "after")[0])

    def test_it_gives_up_after_max_reconnects_without_an_acknowledgement(self):
        with socket.socket() as s:  # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = RecsysClient(f"127.0.0.1:{port}")
        self.addCleanup(client.close)
        attempts = []
        stream = client.feedback_stream(
            initial_backoff=0.01, max_backoff=0.02, max_reconnects=3, on_reconnect=lambda *a: attempts.append(a[0])
        )
        future = stream.send(events(1)[0])
        with self.assertRaises(FeedbackStreamError) as failure:
            future.result(20)
        self.assertEqual(grpc.StatusCode.UNAVAILABLE, failure.exception.code)
        self.assertEqual([1, 2, 3], attempts)

    def test_only_feedback_events_are_sent(self):
        _, client = self.start()
        with client.feedback_stream() as stream:
            with self.assertRaises(TypeError):
                stream.send({"event_id": "e"})


class ClientOptionsTest(unittest.TestCase):
    def test_a_rotated_token_file_is_picked_up_without_a_restart(self):
        running = Running(FakeFeedback())
        self.addCleanup(running.stop)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "token")
            with open(path, "w") as f:
                f.write("first-token-0123456789\n")
            with RecsysClient(running.target, token_file=path) as client:
                client.status()
                time.sleep(0.02)  # a new modification time, even on coarse clocks
                with open(path, "w") as f:
                    f.write("second-token-0123456789-longer\n")
                client.status()
                with open(path, "w") as f:
                    f.write("")  # a broken rewrite keeps the last good token
                client.status()
        self.assertEqual(
            ["Bearer first-token-0123456789", "Bearer second-token-0123456789-longer", "Bearer second-token-0123456789-longer"],
            running.servicer.authorizations,
        )

    def test_bad_options_fail_before_any_call(self):
        with self.assertRaises(ValueError):
            RecsysClient("")
        with self.assertRaises(ValueError):
            RecsysClient("localhost:1", max_attempts=9)
        with self.assertRaises(ValueError):
            RecsysClient("localhost:1", tls_cert="cert.pem")
        with self.assertRaises(ValueError):
            RecsysClient("localhost:1", token="two words")

    def test_feedback_types_by_name(self):
        self.assertEqual(feedback_pb2.FEEDBACK_TYPE_DISLIKE, feedback_event("e", "u", "i", "dislike").type)
        self.assertEqual(feedback_pb2.FEEDBACK_TYPE_LIKE, feedback_event("e", "u", "i", "LIKE").type)
        with self.assertRaises(ValueError):
            feedback_event("e", "u", "i", "adore")


if __name__ == "__main__":
    unittest.main()
