"""Time `coproduce monitoring score` on N people x 90 days of check-ins, for each programme.

    .venv/bin/python benchmarks/monitoring_score.py                  # 3,000 people, 5 runs
    .venv/bin/python benchmarks/monitoring_score.py --people 300 --runs 1

The files are made with a fixed seed, so every run and every machine scores the same check-ins:
people who are stable, people who deteriorate for a while (rising breathing rate and pulse,
falling oxygen; a CAT score drifting up; fluid building up at 0.3 to 0.9 kg a day) and days
without a check-in. Each run is what the command does once it has the file's bytes: parse,
check every answer and setting, score and write the answer as JSON (`score.score`), in this
one process. Prints every run, the median in check-ins a second (and the same on the
processor alone, which other jobs on the machine change less), how many check-ins came out
of each colour, and the load average at the end.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta

import orjson

from coproduce.monitoring.score import score

DAYS = 90
FIRST_DAY = date(2026, 9, 1)
# A person checks in on most days; these many days in a hundred are missed.
MISSED_PER_HUNDRED = 4
COLOUR = re.compile(rb'"colour":"(\w+)"')


def news2_person(draw: random.Random) -> tuple[dict, list[dict]]:
    scale = 2 if draw.random() < 0.15 else 1
    on_oxygen = draw.random() < 0.1
    unwell_from = draw.randrange(DAYS) if draw.random() < 0.3 else DAYS

    def answers(day: int) -> dict:
        unwell = max(0, day - unwell_from)
        return {
            "resp_rate": min(40, draw.randint(12, 20) + unwell // 3),
            "spo2": max(80, draw.randint(88 if scale == 2 else 94, 99) - unwell // 4),
            "on_oxygen": on_oxygen,
            "systolic": max(70, draw.randint(100, 150) - unwell),
            "pulse": min(150, draw.randint(55, 95) + unwell),
            "consciousness": "C" if unwell > 12 and draw.random() < 0.3 else "A",
            "temperature": round(draw.uniform(36.0, 37.8) + unwell * 0.05, 1),
        }

    return {"spo2_scale": scale}, [answers(day) for day in range(DAYS)]


def copd_cat_person(draw: random.Random) -> tuple[dict, list[dict]]:
    baseline = draw.randint(5, 25)
    worse_from = draw.randrange(DAYS) if draw.random() < 0.3 else DAYS
    has_probe = draw.random() < 0.5

    def answers(day: int) -> dict:
        total = baseline + draw.randint(-2, 2) + max(0, day - worse_from) // 4
        items = [min(5, max(0, total // 8 + draw.randint(-1, 1))) for _ in range(8)]
        given = {f"cat_{number}": item for number, item in enumerate(items, 1)}
        if has_probe:
            given |= {"spo2": draw.randint(89, 98), "on_oxygen": False}
        return given

    return {"cat_baseline": baseline}, [answers(day) for day in range(DAYS)]


def heart_failure_person(draw: random.Random) -> tuple[dict, list[dict]]:
    dry_weight = round(draw.uniform(55.0, 120.0), 1)
    filling_from = draw.randrange(DAYS) if draw.random() < 0.3 else DAYS
    gain_a_day = draw.uniform(0.3, 0.9)

    def answers(day: int) -> dict:
        weight = dry_weight + draw.uniform(-0.4, 0.4) + max(0, day - filling_from) * gain_a_day
        worse = day > filling_from + 3
        return {
            "weight_kg": round(min(weight, 350.0), 1),
            "breathless": draw.choice(("more_than_usual", "at_rest")) if worse else "no",
            "ankles_more_swollen": worse and draw.random() < 0.5,
            "more_pillows": worse and draw.random() < 0.3,
            "dizzy": draw.random() < 0.02,
        }

    return {"dry_weight_kg": dry_weight}, [answers(day) for day in range(DAYS)]


PEOPLE = {
    "news2": news2_person,
    "copd-cat": copd_cat_person,
    "heart-failure": heart_failure_person,
}


def score_file(programme: str, people: int, seed: int) -> bytes:
    draw = random.Random(f"{seed}-{programme}")
    dates = [(FIRST_DAY + timedelta(days=day)).isoformat() for day in range(DAYS)]
    listed = []
    for number in range(people):
        settings, answers = PEOPLE[programme](draw)
        check_ins = [
            {"id": f"{number}-{day}", "date": dates[day], "answers": answers[day]}
            for day in range(DAYS)
            if draw.randrange(100) >= MISSED_PER_HUNDRED
        ]
        listed.append({"id": f"person-{number}", "settings": settings, "check_ins": check_ins})
    return orjson.dumps({"programme": programme, "people": listed})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    print(
        f"monitoring score: {options.people:,} people x {DAYS} days, seed {options.seed}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    for programme in PEOPLE:
        data = score_file(programme, options.people, options.seed)
        check_ins = data.count(b'"answers"')
        times, processor_times = [], []
        for _ in range(options.runs):
            started, processor_started = time.perf_counter(), time.process_time()
            answer = score(data)
            times.append(time.perf_counter() - started)
            processor_times.append(time.process_time() - processor_started)
        median = statistics.median(times)
        colours = Counter(colour.decode() for colour in COLOUR.findall(answer))
        print(
            f"  {programme:14} {check_ins:>9,} check-ins ({len(data) / 1e6:.0f} MB): "
            f"median {median:.2f} s = {check_ins / median:>9,.0f} check-ins/s "
            f"(runs: {', '.join(f'{seconds:.2f}' for seconds in times)} s; "
            f"on the processor {check_ins / statistics.median(processor_times):,.0f}/s); "
            + ", ".join(f"{colour} {count:,}" for colour, count in sorted(colours.items()))
        )
    print(f"load average {', '.join(f'{load:.1f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
