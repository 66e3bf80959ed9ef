"""How the alerts of Riverside's monitored people were handled, for the demo
(monitoring/demo.py): as the live platform and a care team would have, step by step. Alerts
of today and yesterday are open (in hand, passed along the team while overdue, or waiting);
older ones were seen, often called about or measured again, and closed with an outcome."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from . import actions, escalation, rules
from .models import Alert, AlertStep, CheckIn
from .programmes import Colour

# A red alert not taken in hand this soon would have been passed on: in the demo it was seen.
RED_SEEN_WITHIN = timedelta(minutes=40)
Kind = Alert.Kind
Outcome = Alert.Outcome
Step = AlertStep.Kind
OUTCOMES = {
    (Kind.READING, Colour.AMBER): (
        (Outcome.ADVICE, 45),
        (Outcome.NO_ACTION, 25),
        (Outcome.MEDICINES_CHANGED, 15),
        (Outcome.APPOINTMENT, 15),
    ),
    (Kind.READING, Colour.RED): (
        (Outcome.MEDICINES_CHANGED, 35),
        (Outcome.APPOINTMENT, 30),
        (Outcome.URGENT_CARE, 20),
        (Outcome.ADVICE, 10),
        (Outcome.ADMITTED, 5),
    ),
    (Kind.REMARK, Colour.GREY): (
        (Outcome.ADVICE, 40),
        (Outcome.NO_ACTION, 35),
        (Outcome.APPOINTMENT, 15),
        (Outcome.CONTACTED, 10),
    ),
    (Kind.NOT_HEARD_FROM, Colour.GREY): ((Outcome.CONTACTED, 85), (Outcome.OTHER, 15)),
}
# What the clinician wrote after calling, by how the alert ended.
CALL_NOTES = {
    Outcome.ADVICE: (
        "Spoke to {name}. Went through what to look out for and when to ring 111.",
        "Spoke to {name}: feels better than the reading suggests. Rest today and check in "
        "as usual tomorrow.",
    ),
    Outcome.NO_ACTION: (
        "Spoke to {name}: feels as usual, the reading was taken in a rush.",
        "Spoke to {name}. Nothing new; no action needed.",
    ),
    Outcome.MEDICINES_CHANGED: (
        "Spoke to {name}. Medicines adjusted; prescription sent to the pharmacy.",
        "Spoke to {name}. Extra dose for three days, then back to the usual.",
    ),
    Outcome.APPOINTMENT: (
        "Spoke to {name}. Booked in at the surgery this afternoon.",
        "Spoke to {name}. Home visit arranged for tomorrow morning.",
    ),
    Outcome.URGENT_CARE: (
        "Spoke to {name}: unwell and struggling. Advised to go to A&E; family driving them in.",
    ),
    Outcome.ADMITTED: ("Spoke to {name}'s family: admitted to hospital overnight.",),
    Outcome.CONTACTED: (
        "Spoke to {name}: away with family and forgot the kit. Checking in again from Monday.",
        "Spoke to {name}: the tablet's battery had run down. All well.",
    ),
    Outcome.OTHER: ("Message left with the family; they will ring back.",),
}
OTHER_CLOSING_NOTE = "Reviewed at the practice meeting; to be followed up at the next visit."
# What a clinician who has the alert in hand (still open) wrote.
IN_HAND_NOTES = {
    Colour.RED: (
        "Spoke to {name}: worse since yesterday. GP visit booked for this afternoon.",
        "Spoke to {name}: unwell but safe at home. Talking it through with the consultant.",
    ),
    Colour.AMBER: ("Left a message asking {name} to ring back.",),
    Colour.GREY: ("Read it; will ring {name} after clinic.",),
}
NOT_HEARD_FROM_NOTE = "No answer. Left a voicemail asking {name} to check in or ring us."
ASK_AGAIN_NOTE = "Please take your readings again after resting for 5 minutes."


@dataclass
class Raised:
    """An alert as the live platform raised it, before its fate is drawn."""

    kind: str
    colour: Colour
    raised_at: datetime
    reasons: list[str]
    day: date
    check_in: CheckIn | None = None
    silent_since: date | None = None
    # The silence goes on (the person has not checked in since).
    ongoing: bool = False
    # What the check-in was scored with, for a repeat measurement of the same day.
    settings: dict | None = None
    earlier: tuple[rules.Reading, ...] = ()


class HandledAlerts:
    """The alerts part of a person's history (demo_history.PersonHistory): it holds the plan,
    the clock, the random numbers, the programme's definition and body, and the rows."""

    def handle(self, raised: Raised, *, open_: bool) -> None:
        """The alert and its history: open ones in hand, passed on or waiting; the rest seen,
        often called about or measured again, and closed with an outcome."""
        alert = Alert(
            id=uuid.uuid4(),
            enrolment=self.enrolment,
            person_id=self.plan.person_id,
            kind=raised.kind,
            colour=raised.colour.value,
            check_in=raised.check_in,
            silent_since=raised.silent_since,
            reasons=raised.reasons,
            raised_at=raised.raised_at,
            due_at=self.clock.due(raised.colour, raised.raised_at, self.definition, self.time_zone),
            assigned_to_id=self.plan.team[0][0],
        )
        steps = [
            AlertStep(
                alert=alert,
                kind=Step.RAISED,
                at=raised.raised_at,
                by_label=actions.SYSTEM_LABEL,
                assigned_to_id=alert.assigned_to_id,
                note="; ".join(raised.reasons)[:2000],
            )
        ]
        repeats: list[CheckIn] = []
        if not open_:
            open_ = not self._closed(alert, raised, steps, repeats)
            if open_:  # too recent to have been closed: start again, open
                del steps[1:]
                repeats.clear()
                alert.escalation_level, alert.assigned_to_id = 0, self.plan.team[0][0]
                alert.due_at = self.clock.due(
                    raised.colour, raised.raised_at, self.definition, self.time_zone
                )
                alert.handled_at = alert.closed_at = None
                alert.outcome = ""
        if open_:
            self._open(alert, raised, steps)
        self.history.alerts.append(alert)
        self.history.steps.extend(steps)
        self.history.repeats.extend(repeats)

    def _open(self, alert: Alert, raised: Raised, steps: list[AlertStep]) -> None:
        rng, now = self.rng, self.clock.now
        colour = raised.colour
        since = now - raised.raised_at
        seen_at = raised.raised_at + self._delay(colour)
        in_hand = (
            seen_at < now - timedelta(minutes=1)
            and not (raised.kind == Kind.NOT_HEARD_FROM and self.plan.silent_until_overdue)
            and (since > RED_SEEN_WITHIN if colour == Colour.RED else rng.random() < 0.45)
        )
        if not in_hand:
            self._pass_on_while_overdue(alert, steps, until=now)
            return
        user_id = alert.assigned_to_id
        name = self.plan.given_name
        if raised.kind == Kind.NOT_HEARD_FROM:
            self._by(
                alert, steps, Step.CALLED, seen_at, user_id, NOT_HEARD_FROM_NOTE.format(name=name)
            )
            return
        self._by(alert, steps, Step.ACKNOWLEDGED, seen_at, user_id)
        called_at = seen_at + timedelta(minutes=rng.randint(3, 15))
        if colour == Colour.RED and called_at < now:
            note = rng.choice(IN_HAND_NOTES[Colour.RED]).format(name=name)
            self._by(alert, steps, Step.CALLED, called_at, user_id, note)
        elif colour != Colour.RED and called_at < now and rng.random() < 0.5:
            note = rng.choice(IN_HAND_NOTES[colour]).format(name=name)
            self._by(alert, steps, Step.CALLED, called_at, user_id, note)

    def _closed(self, alert: Alert, raised: Raised, steps, repeats) -> bool:
        """Handle and close the alert as a care team would have; False when that would end
        after now (the alert is left open instead)."""
        rng, plan = self.rng, self.plan
        colour = raised.colour
        at = raised.raised_at
        if len(plan.team) > 1 and rng.random() < 0.1:
            # No one took it in hand by its due time: the platform passed it on.
            at = alert.due_at
            self._pass_on(alert, steps, at)
        at += self._delay(colour)
        user_id = alert.assigned_to_id
        name = plan.given_name
        outcomes, weights = zip(*OUTCOMES[(raised.kind, colour)], strict=True)
        outcome = rng.choices(outcomes, weights)[0]
        if raised.kind != Kind.NOT_HEARD_FROM:
            self._by(alert, steps, Step.ACKNOWLEDGED, at, user_id)
        if raised.kind == Kind.READING and colour == Colour.AMBER and rng.random() < 0.3:
            ended = self._measured_again(alert, raised, steps, repeats, at + timedelta(minutes=2))
            if ended is not None:
                return ended <= self.clock.now
            outcome = Outcome.ADVICE
        if raised.kind == Kind.NOT_HEARD_FROM or colour == Colour.RED or rng.random() < 0.7:
            at += timedelta(minutes=rng.randint(5, 60))
            note = rng.choice(CALL_NOTES[outcome]).format(name=name)
            self._by(alert, steps, Step.CALLED, at, user_id, note)
        at += timedelta(minutes=rng.randint(2, 30))
        note = OTHER_CLOSING_NOTE if outcome == Outcome.OTHER else ""
        self._by(alert, steps, Step.CLOSED, at, user_id, note, outcome=outcome)
        return at <= self.clock.now

    def _measured_again(self, alert, raised: Raised, steps, repeats, asked_at) -> datetime | None:
        """The clinician asks for a repeat; one that comes back green within 30 minutes closes
        the alert by itself. Returns when it closed, or None when the repeat was not green
        (the clinician then calls)."""
        rng = self.rng
        self._by(
            alert, steps, Step.ASKED_TO_REMEASURE, asked_at, alert.assigned_to_id, ASK_AGAIN_NOTE
        )
        repeat_at = asked_at + timedelta(minutes=rng.randint(6, 25))
        answers = rules.clean_answers(self.definition, self.body.answers(rng, 0.0, None, True))
        assessment = rules.assess(
            self.definition, answers, raised.settings, raised.day, raised.earlier
        )
        repeat = self._stored(
            raised.day, repeat_at, answers, assessment, raised.settings, remeasure_for=alert
        )
        repeats.append(repeat)
        note = _("The repeat came back %(colour)s.") % {"colour": assessment.colour.value}
        if assessment.reasons:
            note += " " + "; ".join(assessment.reasons)
        steps.append(
            AlertStep(
                alert=alert,
                kind=Step.REMEASURED,
                at=repeat_at,
                by_label=repeat.submitted_by_label,
                assigned_to_id=alert.assigned_to_id,
                note=note,
            )
        )
        if assessment.colour != Colour.GREEN:
            return None
        steps.append(
            AlertStep(
                alert=alert,
                kind=Step.CLOSED,
                at=repeat_at,
                by_label=actions.SYSTEM_LABEL,
                assigned_to_id=alert.assigned_to_id,
                note=_("Closed by itself: the repeat within 30 minutes came back green."),
                outcome=Outcome.REPEAT_GREEN,
            )
        )
        alert.closed_at, alert.outcome = repeat_at, Outcome.REPEAT_GREEN
        return repeat_at

    def _delay(self, colour: Colour) -> timedelta:
        """How long after it was raised (or passed on) an alert was taken in hand."""
        if colour == Colour.RED:
            return timedelta(minutes=self.rng.randint(5, 35))
        return timedelta(minutes=self.rng.randint(20, 240))

    def _by(self, alert, steps, kind, at, user_id, note: str = "", *, outcome: str = "") -> None:
        """A clinician's step, as actions writes it: one that takes the alert in hand makes it
        theirs; closing ends it."""
        if kind == Step.CLOSED:
            alert.closed_at, alert.outcome = at, outcome
        else:
            alert.handled_at, alert.assigned_to_id = at, user_id
        steps.append(
            AlertStep(
                alert=alert,
                kind=kind,
                at=at,
                by_id=user_id,
                by_label=self.history.staff.label(user_id, self.plan.organisation),
                assigned_to_id=alert.assigned_to_id,
                note=note,
                outcome=outcome,
            )
        )

    def _pass_on(self, alert: Alert, steps, at: datetime) -> bool:
        """As escalate_overdue_alerts: to the next person on the team, with a fresh due time;
        False past the last person."""
        step = escalation.pass_on(
            alert,
            [user_id for user_id, _title in self.plan.team],
            by=None,
            by_label=actions.SYSTEM_LABEL,
            note=_("No one took it in hand by its due time."),
            at=at,
            due_at=self.clock.due(Colour(alert.colour), at, self.definition, self.time_zone),
        )
        if step is not None:
            steps.append(step)
        return step is not None

    def _pass_on_while_overdue(self, alert: Alert, steps, *, until: datetime) -> None:
        """What escalate_overdue_alerts did while no one took it in hand: passed it along the
        team at each due time; past the last person it stays overdue."""
        while alert.due_at <= until:
            if not self._pass_on(alert, steps, alert.due_at):
                return
