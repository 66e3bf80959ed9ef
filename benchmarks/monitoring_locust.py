"""The load for `benchmarks/monitoring_check_ins.py` (run by it with locust, headless).

The script writes the world it made to the file named by BENCH_WORLD: the gateway token
and the enrolled people's ids. BENCH_SCENARIO picks what each user sends, as fast as it is
answered (or BENCH_RATE requests a second per user):
- `single`: one heart-failure check-in (a QuestionnaireResponse) with its own
  Idempotency-Key, as a device gateway sends them;
- `bare`: a small JSON body to the benchmark's own endpoint that inserts one row;
- `bundle`: a batch Bundle of BENCH_BUNDLE_SIZE check-ins of different people.
Each person checks in once a day: the check-ins go to each person today, then to each one
yesterday (readings sent late), so a run can store twice as many as there are people.
"""

import itertools
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

from locust import FastHttpUser, constant, constant_throughput, task

SCENARIO = os.environ["BENCH_SCENARIO"]
with open(os.environ["BENCH_WORLD"]) as world_file:
    WORLD = json.load(world_file)
BUNDLE_SIZE = int(os.environ.get("BENCH_BUNDLE_SIZE", "1000"))
RATE = float(os.environ.get("BENCH_RATE", "0"))
HEADERS = {
    "Authorization": f"Bearer {WORLD['token']}",
    "Content-Type": "application/fhir+json",
}
BREATHLESS = WORLD["base"] + "/fhir/CodeSystem/heart-failure-breathless"
# Whose check-in comes next, and how many days ago it was taken: shared by every user.
NEXT = itertools.product((0, 1), WORLD["people"])


def check_in(n: int, person_id: str, days_ago: int) -> dict:
    """A check-in of a well person; one in ten is more breathless than usual (amber)."""
    taken = datetime.now(UTC) - timedelta(days=days_ago)
    breathless = "more_than_usual" if n % 10 == 0 else "no"
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "Questionnaire/heart-failure",
        "status": "completed",
        "subject": {"reference": f"Patient/{person_id}"},
        "authored": taken.isoformat(timespec="seconds"),
        "item": [
            {"linkId": "weight_kg", "answer": [{"valueDecimal": 70 + n % 300 / 10}]},
            {
                "linkId": "breathless",
                "answer": [{"valueCoding": {"system": BREATHLESS, "code": breathless}}],
            },
            {"linkId": "ankles_more_swollen", "answer": [{"valueBoolean": False}]},
            {"linkId": "more_pillows", "answer": [{"valueBoolean": False}]},
            {"linkId": "dizzy", "answer": [{"valueBoolean": False}]},
        ],
    }


def next_check_in(n: int) -> dict:
    days_ago, person_id = next(NEXT)
    return check_in(n, person_id, days_ago)


class Sender(FastHttpUser):
    wait_time = constant_throughput(RATE) if RATE else constant(0)
    sent = itertools.count()

    @task
    def send(self) -> None:
        n = next(self.sent)
        if SCENARIO == "bare":
            self.client.post("/bench/row", json={"n": n}, name="bare")
        elif SCENARIO == "single":
            self.client.post(
                "/api/monitoring/fhir/QuestionnaireResponse",
                data=json.dumps(next_check_in(n)),
                headers={**HEADERS, "Idempotency-Key": str(uuid.uuid4())},
                name="single",
            )
        else:
            entries = [
                {
                    "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                    "resource": next_check_in(n * BUNDLE_SIZE + index),
                    "request": {"method": "POST", "url": "QuestionnaireResponse"},
                }
                for index in range(BUNDLE_SIZE)
            ]
            bundle = {"resourceType": "Bundle", "type": "batch", "entry": entries}
            with self.client.post(
                "/api/monitoring/fhir",
                data=json.dumps(bundle),
                headers=HEADERS,
                name="bundle",
                catch_response=True,
            ) as response:
                refused = [
                    answer["response"]["status"]
                    for answer in (response.json() or {}).get("entry", [])
                    if not answer["response"]["status"].startswith("20")
                ]
                if refused:
                    response.failure(f"{len(refused)} entries refused: {refused[0]}")
