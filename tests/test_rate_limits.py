"""Rate limits: an API token, and anyone listing or searching people, gets 429 (code
"throttled", in the one envelope) over the rate, so the audit trail cannot be flooded."""

import pytest
from django.test import Client

from coproduce import ratelimit
from coproduce.errors import Throttled
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Role
from tests.factories import CareRelationshipFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.COPRODUCE_RATE_LIMITS = {
        **settings.COPRODUCE_RATE_LIMITS,
        "api-token": "3/minute",
        "people-search": "2/minute",
    }
    return settings.COPRODUCE_RATE_LIMITS


@pytest.fixture
def nurse():
    role = RoleFactory(kind=Role.Kind.CLINICIAN)
    CareRelationshipFactory(organisation=role.organisation)
    return role


def token_for(organisation) -> str:
    admin = RoleFactory(organisation=organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _token, raw = actions.create_api_token(
        Actor(user=admin.user), organisation_id=organisation.pk, name="Feed"
    )
    return raw


def assert_throttled(response):
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert "too many requests" in error["message"].lower()
    assert 1 <= int(response["Retry-After"]) <= 60


def test_an_api_token_gets_429_over_its_rate_and_another_token_does_not(rates, nurse):
    raw = token_for(nurse.organisation)
    headers = {"Authorization": f"Bearer {raw}"}
    for _ in range(3):
        assert Client().get("/api/me", headers=headers).status_code == 200
    assert_throttled(Client().get("/api/me", headers=headers))
    # Every operation counts against the token, including lists with their own limits.
    assert_throttled(Client().get("/api/people", headers=headers))

    other = {"Authorization": f"Bearer {token_for(RoleFactory().organisation)}"}
    assert Client().get("/api/me", headers=other).status_code == 200


def test_listing_people_over_the_api_is_limited_per_user_and_writes_no_audit_rows(rates, nurse):
    client = Client()
    client.force_login(nurse.user)
    for _ in range(2):
        response = client.get("/api/people", {"search": "Ada"})
        assert response.status_code == 200 and response.json()["count"] == 1
    audit_rows = AuditEvent.objects.count()
    assert_throttled(client.get("/api/people"))
    assert AuditEvent.objects.count() == audit_rows

    # The limit is the user's own: a colleague can still search.
    colleague = Client()
    colleague.force_login(RoleFactory(organisation=nurse.organisation).user)
    assert colleague.get("/api/people").status_code == 200
    # Other reads are not limited by it.
    assert client.get("/api/me").status_code == 200


def test_the_caseload_search_page_is_limited_per_user(rates, nurse):
    client = Client()
    client.force_login(nurse.user)
    for _ in range(2):
        assert client.get("/home/", {"q": "Ada"}).status_code == 200
    audit_rows = AuditEvent.objects.count()
    response = client.get("/home/", {"q": "Ada"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "Too many requests" in page
    assert "searched for people too many times" in page
    assert "throttled" not in page
    assert AuditEvent.objects.count() == audit_rows


def test_a_citizen_home_page_is_not_a_people_search(rates):
    person = PersonFactory(user=UserFactory())
    client = Client()
    client.force_login(person.user)
    for _ in range(5):
        assert client.get("/home/").status_code == 200


def test_a_window_ends_and_the_count_starts_again(rates, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    for _ in range(2):
        ratelimit.enforce("people-search", "user:1")
    with pytest.raises(Throttled) as refused:
        ratelimit.enforce("people-search", "user:1")
    # 1,000,000 seconds is 40 seconds into a minute: 20 seconds to wait.
    assert refused.value.status == 429 and refused.value.retry_after == 20
    clock[0] += 60
    ratelimit.enforce("people-search", "user:1")


def test_count_and_look_without_refusing_for_limits_on_refused_attempts(rates):
    # e.g. refused registrations per organisation: count each refusal, look before acting.
    assert not ratelimit.is_exhausted("people-search", "organisation:7")
    assert ratelimit.count("people-search", "organisation:7") == 1
    assert ratelimit.count("people-search", "organisation:7") == 2
    assert ratelimit.is_exhausted("people-search", "organisation:7")
    assert not ratelimit.is_exhausted("people-search", "organisation:8")


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("600/minute", ratelimit.Rate(600, 60)),
        ("30/minute", ratelimit.Rate(30, 60)),
        ("10/hour", ratelimit.Rate(10, 3600)),
        ("5/15minutes", ratelimit.Rate(5, 900)),
        ("100/day", ratelimit.Rate(100, 86400)),
    ],
)
def test_rates_read_as_operators_write_them(text, rate):
    assert ratelimit.Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["fast", "10/fortnight", "x/minute", ""])
def test_a_mistyped_rate_is_refused(text):
    with pytest.raises(ValueError, match="30/minute"):
        ratelimit.Rate.parse(text)


@pytest.fixture
def redis_cache(settings, request):
    """The cache as in production with several processes: a Redis database of its own."""
    redis = pytest.importorskip("redis")
    location = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(location).flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    ratelimit._redis_client.cache_clear()
    request.addfinalizer(ratelimit._redis_client.cache_clear)
    return redis.Redis.from_url(location)


def test_counts_in_redis_are_shared_and_expire_with_their_window(rates, redis_cache, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert ratelimit.count("people-search", "user:1") == 1
    assert ratelimit.count("people-search", "user:1") == 2
    # What another process counts, this one sees (one Redis, not each process's memory).
    assert ratelimit.is_exhausted("people-search", "user:1")
    with pytest.raises(Throttled):
        ratelimit.enforce("people-search", "user:1")
    (key,) = redis_cache.keys("*ratelimit:people-search:user:1:*")
    # The window has 20 seconds left: the count is forgotten a second after it ends.
    assert 0 < redis_cache.ttl(key) <= 21
    clock[0] += 60
    assert ratelimit.count("people-search", "user:1") == 1
