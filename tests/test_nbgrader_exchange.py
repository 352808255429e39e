"""nbgrader's course flow through its exchange: release, fetch, submit (one student late),
collect, autograde through the sandbox, feedback released and fetched back by each student."""
import pytest

from autograder.nbgrader_bridge.exchange import DEMO_STUDENTS, run_exchange

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange")
    return root, {result.student: result for result in run_exchange(DEMO_STUDENTS, root)}


def test_every_student_fetches_feedback_with_their_score_and_no_hidden_tests(outcomes):
    _, results = outcomes
    assert set(results) == {"ann", "ben", "cat"}
    for student, expected in (("ann", 130.0), ("ben", 125.0), ("cat", 130.0)):
        html = results[student].feedback.read_text()
        assert results[student].score == expected
        assert f"Score: {expected:.1f} / 155.0" in html  # the code parts' points and the written answers' 25
        assert "BEGIN HIDDEN TESTS" not in html and "run_hidden_suite" not in html


def test_the_sandbox_graded_the_collected_submissions(outcomes):
    _, results = outcomes
    html = results["ben"].feedback.read_text()
    assert "sigmoid-no-overflow" in html and "Smallest failing input" in html  # the sandboxed suite's feedback


def test_only_the_submission_after_the_due_date_is_late(outcomes):
    _, results = outcomes
    assert results["ann"].seconds_late == 0 and results["ben"].seconds_late == 0
    assert results["cat"].seconds_late > 0
    assert results["cat"].score == 130.0  # the course's nbgrader_config.py sets no late penalty


def test_collect_took_each_submission_from_the_exchange(outcomes):
    root, _ = outcomes
    inbound = {path.name.split("+")[0] for path in (root / "exchange" / "convnets-course" / "inbound").iterdir()}
    submitted = {path.name for path in (root / "course" / "submitted").iterdir()}
    assert inbound == submitted == {"ann", "ben", "cat"}
