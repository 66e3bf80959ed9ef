"""How the readings of Riverside's monitored people go, day by day, for the demo
(monitoring/demo.py): each programme's body keeps the person's usual values and draws a
day's answers around them, getting worse over a worsening week; the person's own words are
drawn from the remarks below. The answers are raw, as a person or a device sends them:
demo_history cleans and scores them with the live rules."""

from random import Random

from .programmes import Colour

EVERYDAY_REMARKS = (
    "Felt more tired than usual today.",
    "My new water tablets have me going to the toilet a lot.",
    "Could someone ring me about my next appointment?",
    "Slept badly, the neighbour's dog barked half the night.",
    "I am going to my daughter's for the weekend, I will take the kit with me.",
    "I have run out of one of my tablets, the pharmacy says the prescription is not there.",
    "Bit of a cold, nothing more.",
    "Had a fall in the garden yesterday, no harm done but my hip is sore.",
)
WORSENING_REMARKS = (
    "I feel worse than yesterday.",
    "More short of breath walking to the kitchen.",
    "My shoes feel tight and my legs are puffy.",
    "Coughing more, and the phlegm is a darker colour.",
    "I did not sleep, I had to sit up in the chair.",
)


class HeartFailureBody:
    """A weight around the person's usual with a slow drift; fluid building up over a
    worsening week (up to 4.5 kg when it ends red), with swollen ankles and breathlessness."""

    def __init__(self, rng: Random, settings: dict) -> None:
        dry = settings.get("dry_weight_kg")
        self.usual = dry + 0.5 if dry else min(140.0, max(48.0, rng.gauss(82, 13)))
        self.drift = 0.0
        if not dry and rng.random() < 0.6:
            settings["dry_weight_kg"] = round(self.usual - rng.uniform(0.3, 1.5), 1)

    def answers(self, rng: Random, worse: float, target: Colour | None, calm: bool) -> dict:
        self.drift = max(-0.8, min(0.8, self.drift * 0.9 + rng.gauss(0, 0.12)))
        gain = (4.5 if target == Colour.RED else 1.0) * worse**1.5
        weight = self.usual + self.drift + rng.gauss(0, 0.05 if calm else 0.2) + gain
        chance = 0.0 if calm else 1.0
        draw = rng.random()
        at_rest = 0.6 * worse**3 if target == Colour.RED else 0.0
        breathless = (
            "at_rest"
            if draw < at_rest
            else "more_than_usual"
            if draw < at_rest + chance * (0.01 + 0.7 * worse)
            else "no"
        )
        return {
            "weight_kg": round(weight, 1),
            "breathless": breathless,
            "ankles_more_swollen": rng.random() < chance * (0.008 + 0.7 * worse),
            "more_pillows": rng.random() < chance * (0.004 + 0.4 * worse),
            "dizzy": rng.random() < chance * (0.004 + 0.05 * worse),
        }

    @staticmethod
    def worsened(rng: Random, answers: dict, target: Colour) -> dict:
        if target == Colour.RED:
            return {**answers, "breathless": "at_rest"}
        return {**answers, "breathless": "more_than_usual", "ankles_more_swollen": True}


class CopdBody:
    """The 8 CAT items around the person's usual score, an oxygen level for those with a
    finger probe (some on scale 2, some of them on home oxygen); a worsening week raises the
    score (by 7 when it ends red) and lowers the oxygen level."""

    def __init__(self, rng: Random, settings: dict) -> None:
        self.baseline = settings.get("cat_baseline") or rng.randint(8, 24)
        if self.baseline != 10:
            settings["cat_baseline"] = self.baseline
        self.items = [0] * 8
        for _step in range(self.baseline):
            self._nudge(rng, self.items, 1)
        self.probe = rng.random() < 0.6
        self.scale = settings.get("spo2_scale") or (2 if self.probe and rng.random() < 0.15 else 1)
        if self.scale == 2:
            settings["spo2_scale"] = 2
        self.on_oxygen = self.scale == 2 and rng.random() < 0.4
        self.spo2 = rng.randint(89, 91) if self.scale == 2 else rng.randint(95, 98)

    @staticmethod
    def _nudge(rng: Random, items: list[int], by: int) -> None:
        """Move the total by `by` one point at a time, each on an item with room."""
        for _step in range(abs(by)):
            room = [i for i, value in enumerate(items) if (value < 5 if by > 0 else value > 0)]
            if room:
                items[rng.choice(room)] += 1 if by > 0 else -1

    def answers(self, rng: Random, worse: float, target: Colour | None, calm: bool) -> dict:
        items = list(self.items)
        rise = (7 if target == Colour.RED else 3) * worse
        self._nudge(rng, items, round(rise + (0 if calm else rng.gauss(0, 0.6))))
        answers: dict = {f"cat_{number}": str(value) for number, value in enumerate(items, 1)}
        if self.probe:
            drop = (4 if target == Colour.RED else 0) * worse
            answers["spo2"] = min(100, round(self.spo2 - drop + rng.gauss(0, 0.5)))
            answers["on_oxygen"] = self.on_oxygen
        return answers

    def worsened(self, rng: Random, answers: dict, target: Colour) -> dict:
        """Red: at least 5 above the usual score; amber: exactly 3 above, with the oxygen
        level as usual."""
        items = [int(answers[f"cat_{number}"]) for number in range(1, 9)]
        if target == Colour.RED:
            self._nudge(rng, items, max(0, self.baseline + 5 - sum(items)))
        else:
            self._nudge(rng, items, self.baseline + 3 - sum(items))
        worse = {**answers, **{f"cat_{n}": str(v) for n, v in enumerate(items, 1)}}
        if target == Colour.AMBER and self.probe:
            worse["spo2"] = self.spo2
        return worse


class News2Body:
    """Vital signs from a home kit around the person's usual; a worsening week brings fast
    breathing, a falling oxygen level and blood pressure, a faster pulse and a fever."""

    def __init__(self, rng: Random, settings: dict) -> None:
        self.resp_rate = rng.randint(13, 17)
        self.spo2 = rng.randint(96, 98)
        self.systolic = rng.randint(115, 150)
        self.pulse = rng.randint(60, 82)
        self.temperature = rng.uniform(36.3, 37.0)

    def answers(self, rng: Random, worse: float, target: Colour | None, calm: bool) -> dict:
        how_bad = worse * (1.0 if target == Colour.RED else 0.7)
        noise = 0.0 if calm else 1.0
        return {
            "resp_rate": round(self.resp_rate + 10 * how_bad + noise * rng.gauss(0, 0.8)),
            "spo2": min(100, round(self.spo2 - 6 * how_bad + noise * rng.gauss(0, 0.5))),
            "on_oxygen": False,
            "systolic": round(self.systolic - 25 * how_bad + noise * rng.gauss(0, 6)),
            "pulse": round(self.pulse + 28 * how_bad + noise * rng.gauss(0, 4)),
            "consciousness": "A",
            "temperature": round(self.temperature + 1.8 * how_bad + noise * rng.gauss(0, 0.15), 1),
        }

    @staticmethod
    def worsened(rng: Random, answers: dict, target: Colour) -> dict:
        """Red: a NEWS2 score of 8 or more; amber: 5 (medium)."""
        if target == Colour.RED:
            return {**answers, "resp_rate": 25, "spo2": 91, "pulse": 112}
        return {
            **answers,
            "resp_rate": 23,
            "spo2": 93,
            "temperature": 38.3,
            "pulse": 88,
            "systolic": 120,
        }


BODIES = {"heart-failure": HeartFailureBody, "copd-cat": CopdBody, "news2": News2Body}
