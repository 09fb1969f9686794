"""RecsysClient: the recsys.v1 API in Python, over one grpc channel."""
import json
import os
from typing import Iterable, List, Mapping, Optional, Sequence, Union

import grpc

from recsys_client._auth import TokenSource
from recsys_client.pb import (
    admin_pb2,
    admin_pb2_grpc,
    catalog_pb2,
    catalog_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    recommender_pb2,
    recommender_pb2_grpc,
)
from recsys_client.feedback_stream import FeedbackStream
from recsys_client.filters import as_filter

# Names a caller may use for a feedback type, besides the enum's own values.
_FEEDBACK_TYPES = {
    "click": feedback_pb2.FEEDBACK_TYPE_CLICK,
    "like": feedback_pb2.FEEDBACK_TYPE_LIKE,
    "purchase": feedback_pb2.FEEDBACK_TYPE_PURCHASE,
    "dislike": feedback_pb2.FEEDBACK_TYPE_DISLIKE,
    "skip": feedback_pb2.FEEDBACK_TYPE_SKIP,
    "dwell": feedback_pb2.FEEDBACK_TYPE_DWELL,
}


def feedback_event(
    event_id: str,
    user_id: str,
    item_id: str,
    type: Union[str, int] = "click",
    dwell_seconds: float = 0.0,
) -> feedback_pb2.FeedbackEvent:
    """A reaction of ``user_id`` to ``item_id`` of the list ``event_id`` named.

    ``type`` is ``"click"``, ``"like"``, ``"purchase"``, ``"dislike"``, ``"skip"``, ``"dwell"``
    (with ``dwell_seconds``), or a ``FeedbackType`` value.
    """
    if isinstance(type, str):
        try:
            type = _FEEDBACK_TYPES[type.lower()]
        except KeyError:
            raise ValueError(f"unknown feedback type {type!r}; one of {sorted(_FEEDBACK_TYPES)}") from None
    return feedback_pb2.FeedbackEvent(
        event_id=event_id, user_id=user_id, item_id=item_id, type=type, dwell_seconds=dwell_seconds
    )


def _retry_service_config(max_attempts: int) -> str:
    """Retry the calls that are safe to repeat, on UNAVAILABLE only (as the Java SDK does).

    Every admin call is one (ForgetUser too: a repeat finds nothing and changes nothing), and so is
    DeleteItems (a repeat lists the ids in ``missing_item_ids``).
    """
    idempotent = [
        {"service": "recsys.v1.RecommenderService"},
        {"service": "recsys.v1.AdminService"},
        {"service": "recsys.v1.CatalogService", "method": "GetItem"},
        {"service": "recsys.v1.CatalogService", "method": "DeleteItems"},
        {"service": "recsys.v1.FeedbackService", "method": "ReportFeedback"},
    ]
    policy = {
        "maxAttempts": max_attempts,
        "initialBackoff": "0.05s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps({"methodConfig": [{"name": idempotent, "retryPolicy": policy}]})


def _read(path: Optional[Union[str, os.PathLike]]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


class RecsysClient:
    """A client for a recsys server; every call has a deadline, failures raise ``grpc.RpcError``.

    >>> with RecsysClient("localhost:50051") as client:
    ...     top = client.recommend("user-42", 10)

    ``tls_ca`` (PEM file) turns on TLS trusting that CA; ``tls=True`` uses the system's roots;
    ``tls_cert`` and ``tls_key`` (PEM) add a client certificate for mutual TLS. ``token`` or
    ``token_file`` (its first line, re-read when the file changes) sends ``authorization: Bearer``
    on every call; the server wants it for feedback, upserts and admin calls when it has tokens.
    Recommend, GetItem, DeleteItems, ReportFeedback and the admin calls (ForgetUser and ExportUser
    included) are retried on UNAVAILABLE.
    """

    def __init__(
        self,
        target: str,
        *,
        deadline: float = 2.0,
        upsert_deadline: float = 300.0,
        max_attempts: int = 3,
        tls: bool = False,
        tls_ca: Optional[Union[str, os.PathLike]] = None,
        tls_cert: Optional[Union[str, os.PathLike]] = None,
        tls_key: Optional[Union[str, os.PathLike]] = None,
        token: Optional[str] = None,
        token_file: Optional[Union[str, os.PathLike]] = None,
        options: Sequence = (),
    ):
        if not target or not target.strip():
            raise ValueError("target is empty")
        if deadline <= 0 or upsert_deadline <= 0:
            raise ValueError("deadlines must be positive")
        if not 1 <= max_attempts <= 5:
            raise ValueError(f"max_attempts must be in [1, 5], got {max_attempts}")
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("mutual TLS needs both tls_cert and tls_key")
        self._deadline = deadline
        self._upsert_deadline = upsert_deadline
        self._token = TokenSource(token, token_file) if (token is not None or token_file is not None) else None
        channel_options = [
            ("grpc.enable_retries", 1 if max_attempts > 1 else 0),
            ("grpc.service_config", _retry_service_config(max(2, max_attempts))),
            *options,
        ]
        if tls or tls_ca is not None or tls_cert is not None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(tls_ca), private_key=_read(tls_key), certificate_chain=_read(tls_cert)
            )
            self._channel = grpc.secure_channel(target, credentials, options=channel_options)
        else:
            self._channel = grpc.insecure_channel(target, options=channel_options)
        self._recommender = recommender_pb2_grpc.RecommenderServiceStub(self._channel)
        self._feedback = feedback_pb2_grpc.FeedbackServiceStub(self._channel)
        self._catalog = catalog_pb2_grpc.CatalogServiceStub(self._channel)
        self._admin = admin_pb2_grpc.AdminServiceStub(self._channel)

    def _metadata(self):
        return self._token.metadata() if self._token is not None else ()

    def _call(self, method, request, deadline: Optional[float] = None):
        return method(request, timeout=deadline or self._deadline, metadata=self._metadata())

    # Recommendations

    def recommend(
        self,
        user_id: str,
        k: int,
        exclude: Iterable[str] = (),
        *,
        filters: Iterable[Union[recommender_pb2.AttributeFilter, Mapping]] = (),
        explain: bool = False,
        diversity: float = 0.0,
    ) -> recommender_pb2.RecommendResponse:
        """The top ``k`` items for ``user_id``, none of ``exclude``.

        ``filters``: conditions on item attributes every item meets (all of them, at most 16), made
        with ``recsys_client.filters`` (``equals``, ``any_of``, ``between``, ``negate``, ...) or
        dicts of ``AttributeFilter``'s fields; they apply inside the top-k selection, so ``k`` items
        come back whenever ``k`` match. ``explain=True`` gives every item an ``explanation``
        (``reason``, ``similar_items``, ``propensity``). ``diversity`` in [0, 1] trades score for
        variety: 0 ranks by score alone, 1 puts after the first item those least like the ones
        above. The server answers INVALID_ARGUMENT for a filter on an attribute no item has, a
        malformed filter, or a diversity outside [0, 1].
        """
        request = self.recommend_request(
            user_id, k, exclude, filters=filters, explain=explain, diversity=diversity
        )
        return self._call(self._recommender.Recommend, request)

    @staticmethod
    def recommend_request(
        user_id: str,
        k: int,
        exclude: Iterable[str] = (),
        *,
        filters: Iterable[Union[recommender_pb2.AttributeFilter, Mapping]] = (),
        explain: bool = False,
        diversity: float = 0.0,
    ) -> recommender_pb2.RecommendRequest:
        """The ``RecommendRequest`` ``recommend`` sends with these arguments (for ``recommend_batch``)."""
        if isinstance(exclude, str):
            raise TypeError("exclude takes a list of item ids, not one string")
        return recommender_pb2.RecommendRequest(
            user_id=user_id,
            k=k,
            exclude_item_ids=list(exclude),
            filters=[as_filter(f) for f in filters],
            explain=explain,
            diversity=diversity,
        )

    def recommend_batch(self, requests: Iterable[recommender_pb2.RecommendRequest]) -> List[recommender_pb2.RecommendResponse]:
        """Many users in one call; the responses come back in request order."""
        batch = recommender_pb2.RecommendBatchRequest(requests=list(requests))
        return list(self._call(self._recommender.RecommendBatch, batch).responses)

    # Feedback

    def report_feedback(self, event: feedback_pb2.FeedbackEvent) -> feedback_pb2.FeedbackAck:
        """One event, acknowledged once durable (or rejected). Safe to retry: it counts once."""
        request = feedback_pb2.ReportFeedbackRequest(event=event)
        return self._call(self._feedback.ReportFeedback, request).ack

    def feedback_stream(
        self,
        window: int = 256,
        initial_backoff: float = 0.1,
        max_backoff: float = 5.0,
        max_reconnects: int = 20,
        on_reconnect=None,
    ) -> FeedbackStream:
        """A reconnecting feedback stream (see ``FeedbackStream``); it has no deadline."""
        return FeedbackStream(
            lambda requests: self._feedback.StreamFeedback(requests, metadata=self._metadata()),
            window=window,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            max_reconnects=max_reconnects,
            on_reconnect=on_reconnect,
        )

    # Catalog

    def get_item(self, item_id: str) -> catalog_pb2.Item:
        """The item; ``grpc.RpcError`` with NOT_FOUND if the server does not know it."""
        return self._call(self._catalog.GetItem, catalog_pb2.GetItemRequest(item_id=item_id)).item

    def upsert_items(self, items: Iterable[Union[catalog_pb2.Item, Mapping]]) -> catalog_pb2.UpsertItemsResponse:
        """Creates or replaces ``items`` (messages, or dicts of Item's fields) as one unit.

        Waits until they are servable, under ``upsert_deadline``: the server embeds their text.
        """
        requests = (catalog_pb2.UpsertItemsRequest(item=_item(item)) for item in items)
        return self._call(self._catalog.UpsertItems, requests, self._upsert_deadline)

    def delete_items(self, item_ids: Iterable[str]) -> catalog_pb2.DeleteItemsResponse:
        """Retires ``item_ids`` (1 to 10,000): they leave every list served after the call returns.

        GetItem answers NOT_FOUND for them afterwards; upserting an id again brings its item back.
        Durable and idempotent (so retried on UNAVAILABLE): ids the catalog did not hold, unknown or
        deleted before, come back in ``missing_item_ids`` rather than as an error. The response
        also has ``deleted_count`` and the ``catalog_version`` without the items.
        """
        if isinstance(item_ids, str):
            raise TypeError("delete_items takes a list of item ids, not one string")
        request = catalog_pb2.DeleteItemsRequest(item_ids=list(item_ids))
        return self._call(self._catalog.DeleteItems, request)

    # Administration

    def forget_user(self, user_id: str, deadline: Optional[float] = None) -> admin_pb2.ForgetUserResponse:
        """Erases everything the server stores about ``user_id``; it survives a restart.

        State, learned parameters, open impressions, replay transitions and log records all go.
        ``found`` is False when the server held nothing about the user (never seen, or forgotten
        before, by an earlier attempt of a retried call too); ``log_records_removed``,
        ``transitions_removed``, ``forgotten_at`` and ``audit_id`` say what was done. The server
        rewrites its logs before it answers: pass a longer ``deadline`` (seconds) for a large log.
        FAILED_PRECONDITION on a server whose feedback log is Kafka.
        """
        request = admin_pb2.ForgetUserRequest(user_id=user_id)
        return self._call(self._admin.ForgetUser, request, deadline)

    def export_user(self, user_id: str, deadline: Optional[float] = None) -> admin_pb2.ExportUserResponse:
        """Everything the server stores about ``user_id`` (the right of access).

        ``found`` is False when it holds nothing; otherwise ``state_vector``,
        ``disliked_item_ids``, ``recent_reactions``, ``impressions``, ``logged_reactions`` and the
        other fields of ``ExportUserResponse``. ``deadline`` (seconds) overrides the client's: the
        server reads its logs to answer.
        """
        request = admin_pb2.ExportUserRequest(user_id=user_id)
        return self._call(self._admin.ExportUser, request, deadline)

    def status(self) -> admin_pb2.GetStatusResponse:
        return self._call(self._admin.GetStatus, admin_pb2.GetStatusRequest())

    def list_model_versions(self) -> List[admin_pb2.ModelVersion]:
        return list(self._call(self._admin.ListModelVersions, admin_pb2.ListModelVersionsRequest()).versions)

    def pin_model_version(self, version: str) -> str:
        """Serves ``version`` again (the baseline "v1" or an earlier learned one) and pauses training."""
        request = admin_pb2.PinModelVersionRequest(version=version)
        return self._call(self._admin.PinModelVersion, request).model_version

    def set_training_paused(self, paused: bool) -> bool:
        """Pauses (True) or resumes (False) the background trainer; returns whether it is paused now."""
        request = admin_pb2.SetTrainingPausedRequest(paused=paused)
        return self._call(self._admin.SetTrainingPaused, request).paused

    @property
    def channel(self) -> grpc.Channel:
        """The underlying channel, for stubs this client does not wrap (health, reflection)."""
        return self._channel

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "RecsysClient":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()


def _item(item: Union[catalog_pb2.Item, Mapping]) -> catalog_pb2.Item:
    if isinstance(item, catalog_pb2.Item):
        return item
    if isinstance(item, Mapping):
        return catalog_pb2.Item(**item)
    raise TypeError(f"expected an Item or a dict, got {type(item).__name__}")
