"""The progress rules: the published 2-point / 30 % threshold, the 4th-visit review, the 10-visit flag."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.courses.progress import flags, progress, review_due


@pytest.mark.parametrize(("scores", "meaningful"), [
    ([7, 5], True),        # 2 points
    ([7, 6], False),       # 1 point, 14 %
    ([3, 2], True),        # 1 point but 33 %
    ([10, 8], True),
    ([10, 9], False),      # 10 %
    ([0, 0], False),
    ([4, 6], False),       # worse
    ([6], False),          # one visit: nothing to compare
    ([], False),
])
def test_a_meaningful_change_is_2_points_or_30_percent_lower(scores, meaningful):
    assert progress(scores).meaningful is meaningful


@given(st.lists(st.integers(0, 10), min_size=2, max_size=10))
def test_the_change_is_measured_from_the_first_visit_to_the_latest(scores):
    result = progress(scores)
    assert result.drop == scores[0] - scores[-1]
    assert result.meaningful == (result.drop >= 2 or (scores[0] > 0 and result.drop > 0
                                                       and Decimal(result.drop) / scores[0] >= Decimal("0.3")))


def test_the_review_is_due_from_the_fourth_visit_until_one_is_recorded():
    assert not review_due(visits_done=3, reviewed=False)
    assert review_due(visits_done=4, reviewed=False) and review_due(visits_done=7, reviewed=False)
    assert not review_due(visits_done=4, reviewed=True)


def test_the_dashboard_flags_no_change_at_visit_four_and_a_course_past_ten_visits():
    assert flags(visits_done=4, reviewed=False, scores=[7, 7, 6, 7], still_open=True) == [
        "No meaningful change by visit 4 and no review yet"]
    assert flags(visits_done=4, reviewed=False, scores=[7, 6, 5, 4], still_open=True) == []
    assert flags(visits_done=4, reviewed=True, scores=[7, 7, 7, 7], still_open=True) == []
    assert flags(visits_done=11, reviewed=True, scores=[7, 3], still_open=True) == ["More than 10 visits"]
    assert flags(visits_done=11, reviewed=False, scores=[7, 7], still_open=False) == []


def test_patients_read_their_progress_in_plain_words():
    assert progress([7, 4]).in_words() == ("Your pain score went from 7 out of 10 at your first visit to 4 at your "
                                           "latest (3 points lower).")
    assert "1 point higher" in progress([5, 6]).in_words()
    assert progress([5]).in_words() == "Your pain score at your first visit was 5 out of 10."
    assert progress([5, 5]).in_words() == "Your pain score was 5 out of 10 at your first visit and at your latest."
