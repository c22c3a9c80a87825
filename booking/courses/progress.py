"""How a course is going: pure rules over the pain scores, and when the trial needs its review.

The threshold is the facts file's ("Measuring progress"): in chronic pain, a drop of about **2 points
or about 30 %** from the starting score on the 0–10 scale is the smallest change patients rate as much
improved (Farrar et al., *Pain* 2001). The trial rule: if nothing has changed by the 4th visit, IMS is
probably not the right treatment, so the 4th visit is the review point; past 10 visits a course is
longer than a full course usually runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MEANINGFUL_POINTS = 2
MEANINGFUL_SHARE = Decimal("0.30")
REVIEW_AT_VISIT = 4
FULL_COURSE_MAX = 10


@dataclass(frozen=True)
class Progress:
    first: int | None
    latest: int | None
    drop: int | None            # points lower than the first score (negative: higher)
    drop_percent: Decimal | None  # of the first score, to the whole percent

    @property
    def meaningful(self) -> bool:
        """Lower by at least 2 points or at least 30 % of the first score."""
        if self.drop is None or self.drop <= 0:
            return False
        return self.drop >= MEANINGFUL_POINTS or (
            self.first > 0 and Decimal(self.drop) / self.first >= MEANINGFUL_SHARE)

    def in_words(self) -> str:
        """For the patient: plain words, no clinical judgement."""
        if self.first is None:
            return "No pain scores yet."
        if self.latest is None or self.drop is None:
            return f"Your pain score at your first visit was {self.first} out of 10."
        if self.drop == 0:
            return f"Your pain score was {self.first} out of 10 at your first visit and at your latest."
        direction = (f"{self.drop} point{'s' if self.drop != 1 else ''} lower" if self.drop > 0 else
                     f"{-self.drop} point{'s' if self.drop != -1 else ''} higher")
        return (f"Your pain score went from {self.first} out of 10 at your first visit to {self.latest} at your "
                f"latest ({direction}).")


def progress(scores: Sequence[int]) -> Progress:
    """From the pain scores in visit order."""
    if not scores:
        return Progress(None, None, None, None)
    first, latest = scores[0], scores[-1]
    drop = first - latest if len(scores) > 1 else None
    percent = None
    if drop is not None and first:
        percent = (Decimal(drop) * 100 / first).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Progress(first, latest if len(scores) > 1 else None, drop, percent)


def review_due(*, visits_done: int, reviewed: bool) -> bool:
    """The review is asked for from the 4th visit on, until one is recorded."""
    return visits_done >= REVIEW_AT_VISIT and not reviewed


def flags(*, visits_done: int, reviewed: bool, scores: Sequence[int], still_open: bool) -> list[str]:
    """Why a course shows on the staff dashboard ([] when it does not)."""
    if not still_open:
        return []
    found = []
    if review_due(visits_done=visits_done, reviewed=reviewed) and not progress(scores).meaningful:
        found.append(f"No meaningful change by visit {REVIEW_AT_VISIT} and no review yet")
    if visits_done > FULL_COURSE_MAX:
        found.append(f"More than {FULL_COURSE_MAX} visits")
    return found
