"""Conditions on item attributes for ``RecsysClient.recommend(..., filters=[...])``.

    from recsys_client import filters as f

    client.recommend("user-42", 10, filters=[
        f.any_of("genre", ["sf", "fantasy"]),
        f.between("year", 1990, 2010),
        f.negate(f.equals("language", "de")),
    ])

Every item of the list meets all the filters (a logical AND; at most 16). Values compare as exact
strings; ranges are numeric and inclusive, and an item whose value is not a number never matches
one. The server answers INVALID_ARGUMENT for an attribute no item of the catalog has, so a typo
fails loudly instead of matching nothing. Each helper returns a ``recommender_pb2.AttributeFilter``.
"""
import math
from typing import Iterable, Mapping, Optional, Union

from google.protobuf import wrappers_pb2

from recsys_client.pb import recommender_pb2

AttributeFilter = recommender_pb2.AttributeFilter

__all__ = ["AttributeFilter", "equals", "any_of", "between", "range_", "at_least", "at_most", "negate", "as_filter"]


def equals(attribute: str, value: str) -> AttributeFilter:
    """Items whose ``attribute`` is exactly ``value``."""
    return any_of(attribute, [value])


def any_of(attribute: str, values: Iterable[str]) -> AttributeFilter:
    """Items whose ``attribute`` is one of ``values`` (at least one, at most 1,000)."""
    if isinstance(values, str):
        raise TypeError("any_of takes a list of values; for one value use equals()")
    values = list(values)
    if not values:
        raise ValueError(f"any_of({attribute!r}) needs at least one value")
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"filter values are strings, got {type(value).__name__} {value!r}")
    return AttributeFilter(attribute=_attribute(attribute), any_of=values)


def between(attribute: str, min: Optional[float] = None, max: Optional[float] = None) -> AttributeFilter:
    """Items whose ``attribute`` is a number in [``min``, ``max``]; ``None`` leaves that end open.

    At least one bound is needed, and ``min`` must not exceed ``max``.
    """
    if min is None and max is None:
        raise ValueError(f"between({attribute!r}) needs min, max or both")
    if min is not None and max is not None and _finite("min", min) > _finite("max", max):
        raise ValueError(f"between({attribute!r}): min {min} > max {max}")
    condition = AttributeFilter(attribute=_attribute(attribute))
    if min is not None:
        condition.min.CopyFrom(wrappers_pb2.DoubleValue(value=_finite("min", min)))
    if max is not None:
        condition.max.CopyFrom(wrappers_pb2.DoubleValue(value=_finite("max", max)))
    return condition


#: ``between`` under the name of the idea (``range`` itself is a builtin).
range_ = between


def at_least(attribute: str, min: float) -> AttributeFilter:
    """Items whose ``attribute`` is a number ``>= min``."""
    return between(attribute, min=min)


def at_most(attribute: str, max: float) -> AttributeFilter:
    """Items whose ``attribute`` is a number ``<= max``."""
    return between(attribute, max=max)


def negate(condition: Union[AttributeFilter, Mapping]) -> AttributeFilter:
    """The items ``condition`` does not keep, those without the attribute included.

    ``negate(negate(f))`` is ``f``; the argument is not changed.
    """
    flipped = AttributeFilter()
    flipped.CopyFrom(as_filter(condition))
    flipped.negate = not flipped.negate
    return flipped


def as_filter(condition: Union[AttributeFilter, Mapping]) -> AttributeFilter:
    """``condition`` as an ``AttributeFilter``: a message as it is, or a dict of its fields.

    In a dict, ``min`` and ``max`` may be plain numbers:
    ``{"attribute": "year", "min": 1990}``.
    """
    if isinstance(condition, AttributeFilter):
        return condition
    if isinstance(condition, Mapping):
        fields = dict(condition)
        for bound in ("min", "max"):
            if isinstance(fields.get(bound), (int, float)) and not isinstance(fields.get(bound), bool):
                fields[bound] = wrappers_pb2.DoubleValue(value=_finite(bound, fields[bound]))
        return AttributeFilter(**fields)
    raise TypeError(f"expected an AttributeFilter or a dict, got {type(condition).__name__}")


def _attribute(attribute: str) -> str:
    if not isinstance(attribute, str) or not attribute.strip():
        raise ValueError("a filter needs an attribute name")
    return attribute


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return float(value)
