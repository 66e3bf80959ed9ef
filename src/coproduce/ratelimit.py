"""Rate limits, counted in Django's cache (Redis in production; memory in one process).

A limit is a named scope whose rate comes from settings.COPRODUCE_RATE_LIMITS
("600/minute"), counted per key (an API token, a user, an organisation) in fixed windows.
Over the limit the caller gets `Throttled` (HTTP 429, code "throttled", in the API's one
envelope), so nobody can flood the audit trail or the database with requests.

    ratelimit.enforce("people-search", ratelimit.key_for(actor))  # count one; refuse over
    ratelimit.is_exhausted("refused-nhs-number", organisation.pk)  # look without counting
    ratelimit.count("refused-nhs-number", organisation.pk)         # count one, never refuse
"""

import time
from dataclasses import dataclass
from functools import cache as once

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from coproduce.errors import Throttled

SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """At most `count` uses in each window of `seconds`."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """ "30/minute", "600/minute", "10/hour" (also "5/15minute": 5 in 15 minutes)."""
        count, _slash, period = text.strip().partition("/")
        unit = period.lstrip("0123456789")
        multiple = int(period[: len(period) - len(unit)] or 1)
        unit = unit.rstrip("s")
        if unit not in SECONDS or not count.isdigit():
            raise ValueError(f"A rate is like '30/minute', not {text!r}.")
        return cls(count=int(count), seconds=multiple * SECONDS[unit])


def rate_for(scope: str) -> Rate:
    return Rate.parse(settings.COPRODUCE_RATE_LIMITS[scope])


def key_for(actor) -> str | None:
    """Whom a limit counts: the API token, else the signed-in user (None for nobody)."""
    if actor.token is not None:
        return f"token:{actor.token.pk}"
    if actor.user is not None and actor.user.is_authenticated:
        return f"user:{actor.user.pk}"
    return None


def _window(scope: str, key: object, rate: Rate) -> tuple[str, int]:
    now = time.time()
    window = int(now // rate.seconds)
    seconds_left = max(1, int((window + 1) * rate.seconds - now))
    return f"ratelimit:{scope}:{key}:{rate.seconds}:{window}", seconds_left


def count(scope: str, key: object) -> int:
    """Count one use of `scope` by `key` in the current window; return the uses so far."""
    rate = rate_for(scope)
    cache_key, seconds_left = _window(scope, key, rate)
    redis = _redis_client()
    if redis is not None:
        # One round trip: start the window's count at 0 if it is new, then add one. Django's
        # add() and incr() take three (incr asks first whether the key exists). In one MULTI,
        # so the count cannot expire between the two and come back with no expiry.
        key = cache.make_and_validate_key(cache_key)
        pipeline = redis.pipeline(transaction=True)
        pipeline.set(key, 0, ex=seconds_left + 1, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]
    # add() then incr() is atomic in memory too, so concurrent requests each count.
    if cache.add(cache_key, 1, timeout=seconds_left + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(cache_key, 1, timeout=seconds_left + 1)
        return 1


@once
def _redis_client():
    """The cache's Redis server as a client of its own, kept for the process; None when the
    cache is not Redis (one process's memory)."""
    if not isinstance(caches["default"], RedisCache):
        return None
    import redis

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def is_exhausted(scope: str, key: object) -> bool:
    """Whether `key` has used up `scope` for this window (counts nothing)."""
    rate = rate_for(scope)
    cache_key, _seconds_left = _window(scope, key, rate)
    return (cache.get(cache_key) or 0) >= rate.count


def retry_after(scope: str) -> int:
    """Seconds until the current window of `scope` ends."""
    return _window(scope, "", rate_for(scope))[1]


def enforce(scope: str, key: object, *, message: str | None = None) -> None:
    """Count one use, and raise Throttled when `key` has gone over the rate for `scope`."""
    if key is None:
        return
    if count(scope, key) > rate_for(scope).count:
        raise Throttled(
            message or _("There have been too many requests. Wait a minute and try again."),
            retry_after=retry_after(scope),
        )
