"""A StreamFeedback call that survives broken connections without losing or double-counting events."""
import collections
import queue
import random
import threading
import time
from concurrent.futures import Future
from typing import Callable, Deque, Iterator, List, Optional, Tuple

import grpc

from recsys_client.pb import feedback_pb2

# Codes after which the stream reconnects and resends: the connection broke, or grpc could not
# say why (the server itself never answers a client's input with UNKNOWN).
_RECONNECT_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN}
# INTERNAL counts as a broken connection only when the transport reports it.
_TRANSPORT_WORDS = ("rst_stream", "http2", "socket", "connection", "stream removed", "goaway", "eof")

# Events written in one request at most; what is waiting goes out together.
_MAX_BATCH = 128

_END = object()


class FeedbackStreamError(Exception):
    """The stream gave up: a non-retryable status, too many failed reconnects, or a protocol error.

    ``code`` is the gRPC status code (``None`` for a protocol error) and ``details`` its message.
    """

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None, details: str = ""):
        super().__init__(message)
        self.code = code
        self.details = details


class _Entry:
    __slots__ = ("event", "future")

    def __init__(self, event: feedback_pb2.FeedbackEvent):
        self.event = event
        self.future: "Future[feedback_pb2.FeedbackAck]" = Future()


class _Connection:
    """One StreamFeedback call: the events still to write on it, and the call to cancel."""

    def __init__(self, resend: List[_Entry]):
        self.outbox: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        for entry in resend:
            self.outbox.put(entry)
        self.call = None

    def requests(self) -> Iterator[feedback_pb2.StreamFeedbackRequest]:
        """What grpc writes, pulled as the transport has room (that is the flow control)."""
        while True:
            first = self.outbox.get()
            if first is _END:
                return
            batch = [first]
            ended = False
            while len(batch) < _MAX_BATCH:
                try:
                    more = self.outbox.get_nowait()
                except queue.Empty:
                    break
                if more is _END:
                    ended = True
                    break
                batch.append(more)
            if len(batch) == 1:
                yield feedback_pb2.StreamFeedbackRequest(event=batch[0].event)
            else:
                yield feedback_pb2.StreamFeedbackRequest(events=[entry.event for entry in batch])
            if ended:
                return

    def end(self) -> None:
        self.outbox.put(_END)


def _is_reconnectable(error: grpc.RpcError) -> bool:
    code = error.code() if hasattr(error, "code") else None
    if code in _RECONNECT_CODES:
        return True
    details = (error.details() if hasattr(error, "details") else "") or ""
    return code == grpc.StatusCode.INTERNAL and any(word in details.lower() for word in _TRANSPORT_WORDS)


class FeedbackStream:
    """A long-lived StreamFeedback call; make one with ``RecsysClient.feedback_stream()``.

    ``send(event)`` returns a ``concurrent.futures.Future`` of the event's acknowledgement. At most
    ``window`` events are unacknowledged at a time: ``send`` blocks while the window is full, and
    grpc pulls requests only as fast as the connection takes them. Acknowledgements arrive in send
    order. When the connection breaks (UNAVAILABLE, CANCELLED, UNKNOWN, or INTERNAL from the
    transport) the stream reconnects with capped, jittered exponential backoff and resends exactly
    the unacknowledged events, in order; the server answers those it had already stored DUPLICATE,
    so each event counts once. A REJECTED acknowledgement resolves its future (it is the server's
    answer, never resent). Any other status (INVALID_ARGUMENT, UNAUTHENTICATED,
    PERMISSION_DENIED, ...), or ``max_reconnects`` failed attempts in a row without an
    acknowledgement, fails every outstanding future with ``FeedbackStreamError``.

    Use it as a context manager: leaving the block waits for every acknowledgement.
    """

    def __init__(
        self,
        open_call: Callable[[Iterator[feedback_pb2.StreamFeedbackRequest]], object],
        window: int = 256,
        initial_backoff: float = 0.1,
        max_backoff: float = 5.0,
        max_reconnects: int = 20,
        on_reconnect: Optional[Callable[[int, float, grpc.RpcError, int], None]] = None,
    ):
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        if initial_backoff <= 0 or max_backoff < initial_backoff:
            raise ValueError("need 0 < initial_backoff <= max_backoff")
        if max_reconnects < 0:
            raise ValueError("max_reconnects must not be negative")
        self._open_call = open_call
        self._window = window
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._max_reconnects = max_reconnects
        self._on_reconnect = on_reconnect
        self._state = threading.Condition()
        # Sent (on this connection or an earlier one) and not acknowledged, in send order.
        self._unacked: Deque[_Entry] = collections.deque()
        self._connection: Optional[_Connection] = None
        self._closing = False
        self._failure: Optional[FeedbackStreamError] = None
        self._failed_attempts = 0
        # Acknowledged events whose futures are being resolved (outside the lock).
        self._delivering = 0
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name="recsys-feedback-stream", daemon=True)
        self._thread.start()

    @property
    def unacknowledged(self) -> int:
        with self._state:
            return len(self._unacked)

    def send(self, event: feedback_pb2.FeedbackEvent, timeout: Optional[float] = None) -> "Future[feedback_pb2.FeedbackAck]":
        """Queues ``event``; blocks while ``window`` events wait for an acknowledgement.

        Raises ``FeedbackStreamError`` if the stream failed, ``RuntimeError`` once closing, and
        ``TimeoutError`` if the window stayed full for ``timeout`` seconds.
        """
        if not isinstance(event, feedback_pb2.FeedbackEvent):
            raise TypeError(f"expected a FeedbackEvent, got {type(event).__name__}")
        entry = _Entry(event)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._state:
            while True:
                if self._failure is not None:
                    raise self._failure
                if self._closing:
                    raise RuntimeError("the feedback stream is closing")
                if len(self._unacked) < self._window:
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"{self._window} events still unacknowledged after {timeout} s")
                self._state.wait(remaining)
            self._unacked.append(entry)
            if self._connection is not None:
                self._connection.outbox.put(entry)
        return entry.future

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until every event sent so far is acknowledged and its future resolved."""
        with self._state:
            if not self._state.wait_for(
                lambda: self._failure is not None or not (self._unacked or self._delivering), timeout
            ):
                raise TimeoutError(f"{len(self._unacked)} events still unacknowledged after {timeout} s")
            if self._failure is not None:
                raise self._failure

    def close(self, timeout: Optional[float] = None) -> None:
        """Waits for every acknowledgement, then ends the call. Raises if the stream failed."""
        with self._state:
            self._closing = True
            self._state.notify_all()
        self.flush(timeout)
        with self._state:
            connection = self._connection
        if connection is not None:
            connection.end()  # half-close: the server answers the rest and completes the call
        self._thread.join(timeout)
        with self._state:
            if self._failure is not None:
                raise self._failure

    def abort(self, reason: str = "feedback stream aborted") -> None:
        """Cancels the stream now; every outstanding future fails with ``reason``."""
        self._fail(FeedbackStreamError(reason))

    def __enter__(self) -> "FeedbackStream":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort(f"feedback stream aborted by {exc_type.__name__}")

    def _run(self) -> None:
        while True:
            with self._state:
                if self._failure is not None or (self._closing and not self._unacked):
                    return
                connection = _Connection(list(self._unacked))
                self._connection = connection
            error: Optional[grpc.RpcError] = None
            try:
                connection.call = self._open_call(connection.requests())
                for response in connection.call:
                    self._on_response(response)
            except grpc.RpcError as e:
                error = e
            except FeedbackStreamError as e:
                self._fail(e)
            finally:
                connection.end()
            with self._state:
                self._connection = None
                if self._failure is not None or (self._closing and not self._unacked):
                    self._state.notify_all()
                    return
            if error is not None and not _is_reconnectable(error):
                self._fail(_from_rpc_error(error))
                return
            if not self._wait_before_reconnect(error):
                return

    def _wait_before_reconnect(self, error: Optional[grpc.RpcError]) -> bool:
        """Sleeps the backoff; False when the stream gave up (or was aborted meanwhile)."""
        with self._state:
            self._failed_attempts += 1
            attempt = self._failed_attempts
            resend = len(self._unacked)
        if attempt > self._max_reconnects:
            cause = _from_rpc_error(error) if error is not None else None
            self._fail(
                FeedbackStreamError(
                    f"gave up after {self._max_reconnects} reconnects without an acknowledgement"
                    + (f" (last: {cause})" if cause else ""),
                    code=cause.code if cause else grpc.StatusCode.UNAVAILABLE,
                    details=cause.details if cause else "",
                )
            )
            return False
        base = min(self._max_backoff, self._initial_backoff * 2 ** (attempt - 1))
        delay = base * (0.5 + random.random() * 0.5)
        self.reconnects += 1
        if self._on_reconnect is not None:
            self._on_reconnect(attempt, delay, error, resend)
        with self._state:
            self._state.wait_for(lambda: self._failure is not None or (self._closing and not self._unacked), delay)
            return self._failure is None

    def _on_response(self, response: feedback_pb2.StreamFeedbackResponse) -> None:
        acks = list(response.acks) if response.acks else ([response.ack] if response.HasField("ack") else [])
        resolved: List[Tuple[_Entry, feedback_pb2.FeedbackAck]] = []
        with self._state:
            for ack in acks:
                if not self._unacked:
                    raise FeedbackStreamError(f"acknowledgement for {ack.event_id}/{ack.item_id} that was never sent")
                entry = self._unacked[0]
                if ack.event_id and entry.event.event_id and ack.event_id != entry.event.event_id:
                    raise FeedbackStreamError(
                        f"acknowledgement for {ack.event_id} arrived where {entry.event.event_id} was expected"
                    )
                self._unacked.popleft()
                resolved.append((entry, ack))
            if resolved:
                self._failed_attempts = 0
                self._delivering += len(resolved)
        try:
            for entry, ack in resolved:
                entry.future.set_result(ack)
        finally:
            with self._state:
                self._delivering -= len(resolved)
                self._state.notify_all()  # flush returns once every future is resolved

    def _fail(self, failure: FeedbackStreamError) -> None:
        with self._state:
            if self._failure is not None:
                return
            self._failure = failure
            entries = list(self._unacked)
            self._unacked.clear()
            connection = self._connection
            self._state.notify_all()
        if connection is not None:
            connection.end()
            if connection.call is not None:
                connection.call.cancel()
        for entry in entries:
            entry.future.set_exception(failure)


def _from_rpc_error(error: grpc.RpcError) -> FeedbackStreamError:
    code = error.code() if hasattr(error, "code") else None
    details = (error.details() if hasattr(error, "details") else "") or ""
    failure = FeedbackStreamError(f"{code.name if code else 'error'}: {details}", code=code, details=details)
    failure.__cause__ = error
    return failure
