"""Every process sees a scheme version's rules as stored, with nobody telling it to forget:
the cache is keyed by the stamp read with the version's row (Scheme.rules_stamp), a code
with no version is never cached, and a version made in a rolled-back transaction leaves
nothing behind that a later version of the same code could be mistaken for."""

import uuid

import pytest
from django.db import connection, transaction

from coproduce.guarantees import actions
from coproduce.guarantees.models import Scheme, SchemeStage
from coproduce.guarantees.queries import scheme_rules
from coproduce.guarantees.rules import builtin_definitions

pytestmark = pytest.mark.django_db

TRIAL = "se-trial-cache"


def trial_definition(first_visit_limit: int) -> dict:
    """se-vardgaranti-2019 with its own code and family, and its own first-visit limit."""
    definition = next(d for d in builtin_definitions() if d["code"] == "se-vardgaranti-2019")
    stages = [dict(stage) for stage in definition["stages"]]
    stages[1]["limit"] = first_visit_limit
    return {**definition, "code": TRIAL, "family": "se-trial-cache", "stages": stages}


def made_elsewhere(first_visit_limit: int) -> Scheme:
    """The version as another process would make it: rows written, this process's cache not
    touched (no cache clearing here, no signal)."""
    return actions._create_scheme(trial_definition(first_visit_limit))


def first_visit_limit(code_or_scheme) -> int:
    return scheme_rules(code_or_scheme).stages[1].limit


def test_a_code_with_no_version_yet_is_not_remembered_as_missing():
    assert scheme_rules(TRIAL) is None
    made_elsewhere(60)
    assert first_visit_limit(TRIAL) == 60


def test_a_version_made_again_after_a_rollback_is_read_as_stored():
    with pytest.raises(RuntimeError), transaction.atomic():
        made_elsewhere(60)
        assert first_visit_limit(TRIAL) == 60
        raise RuntimeError("the transaction that made it rolls back")
    assert scheme_rules(TRIAL) is None
    made_elsewhere(30)
    assert first_visit_limit(TRIAL) == 30


def test_rules_changed_in_the_database_with_a_new_stamp_are_seen_by_the_next_call():
    """A version is never changed, but should its rows be rewritten (a restore, a repair by
    hand) with a new stamp, the next call reads them, given a code or a freshly read row."""
    scheme = made_elsewhere(60)
    assert first_visit_limit(TRIAL) == 60
    assert first_visit_limit(scheme) == 60
    stage = SchemeStage._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only triggers refuse this for everyone else; the test's transaction
            # (rolled back afterwards) switches them off for itself, once the checks of the
            # rows it wrote are done (PostgreSQL alters no table with checks pending).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {stage} DISABLE TRIGGER USER")
            cursor.execute(f"ALTER TABLE {Scheme._meta.db_table} DISABLE TRIGGER USER")
        cursor.execute(
            f'UPDATE {stage} SET "limit" = %s WHERE scheme_id = %s AND position = 2',  # noqa: S608
            [45, scheme.pk],
        )
        cursor.execute(
            f"UPDATE {Scheme._meta.db_table} SET rules_stamp = %s WHERE id = %s",  # noqa: S608
            [uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()), scheme.pk],
        )
    assert first_visit_limit(TRIAL) == 45
    assert first_visit_limit(Scheme.objects.get(pk=scheme.pk)) == 45


def test_cached_rules_cost_no_query_given_the_version(django_assert_num_queries):
    scheme = made_elsewhere(60)
    first_visit_limit(scheme)
    with django_assert_num_queries(0):
        assert first_visit_limit(scheme) == 60
    with django_assert_num_queries(1):
        assert first_visit_limit(TRIAL) == 60
