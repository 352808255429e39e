"""The formgrader started the documented way (`jupyter server` in the course folder; nbgrader's
server extensions are enabled in the environment): its page lists the course's assignment,
its Autograde button, clicked in headless Chromium, grades through the sandbox, and a TA's
manual score for a written answer, set through its API, reaches `nbgrader export`."""
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
import websocket

from autograder.nbgrader_bridge.command import nbgrader
from autograder.nbgrader_bridge.course import new_course
from autograder.reference import notebook_json, solved_notebook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NAIVE_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"  # loses sigmoid-no-overflow

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here (Debian: apt-get install chromium; .ci/run installs it)")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what, seconds=90):
    """condition()'s first true value, polled; fails the test naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


class Formgrader:
    """`jupyter server` run in a course folder, and its formgrader's HTTP API."""

    def __init__(self, course, scratch):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        scripts = str(Path(sys.executable).parent)  # jupyter, and alembic for nbgrader's gradebook
        self.process = subprocess.Popen(
            [os.path.join(scripts, "jupyter"), "server", "--no-browser", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", "--allow-root"], cwd=course, stdout=subprocess.DEVNULL,
            stderr=open(scratch / "server.log", "w"),
            env={**os.environ, "PATH": scripts + os.pathsep + os.environ["PATH"],
                 "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"), "PYTHONWARNINGS": "ignore"})
        wait_for(self.answers, "the Jupyter server to start")

    def answers(self):
        if self.process.poll() is not None:
            pytest.fail(f"the Jupyter server stopped (status {self.process.returncode}); see its server.log")
        try:
            return self.api("GET", "/api/status") is not None
        except OSError:
            return False

    def api(self, method, path, body=None):
        request = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"},
                                         data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read() or "null")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class HeadlessChromium:
    """Headless Chromium driven through the DevTools protocol: open a page, run JavaScript in it."""

    def __init__(self, scratch):
        profile = scratch / "chromium-profile"
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = wait_for(lambda: (profile / "DevToolsActivePort").is_file()
                        and (profile / "DevToolsActivePort").read_text().split("\n")[0], "Chromium's DevTools port")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as response:
            page = next(target for target in json.load(response) if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=300, suppress_origin=True)
        self.calls = 0

    def call(self, method, **params):
        self.calls += 1
        self.socket.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.calls:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", url=url)

    def stop(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with one submission, ben's (the naive sigmoid), not yet graded."""
    root = new_course(tmp_path_factory.mktemp("formgrader-course"))
    submission = root / "submitted" / "ben" / "convnets"
    submission.mkdir(parents=True)
    released = root / "assignment" / "convnets" / "convnets.ipynb"
    (submission / "convnets.ipynb").write_text(notebook_json(solved_notebook(NAIVE_SIGMOID, released)))
    return root


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    server = Formgrader(course, tmp_path_factory.mktemp("formgrader"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = HeadlessChromium(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.stop()


def test_the_formgrader_page_lists_the_course_assignment(formgrader, browser):
    browser.open(f"{formgrader.url}/formgrader/manage_assignments?token={formgrader.token}")
    first_cells = "[...document.querySelectorAll('table tbody tr td:first-child')].map(cell => cell.innerText)"
    wait_for(lambda: "convnets" in (browser.evaluate(first_cells) or []), "convnets in the formgrader's assignments table")


@pytest.fixture(scope="module")
def clicked_autograde(formgrader, browser, course):
    """ben's Autograde button on the formgrader's submissions page, clicked; returns his
    autograded notebook once the page reports success."""
    browser.open(f"{formgrader.url}/formgrader/manage_submissions/convnets?token={formgrader.token}")
    wait_for(lambda: browser.evaluate("document.querySelector('td.autograde a') !== null"), "ben's Autograde button")
    browser.evaluate("document.querySelector('td.autograde a').click()")
    wait_for(lambda: "Successfully autograded" in (browser.evaluate("document.body.innerText") or ""),
             "the formgrader to report the autograde", seconds=300)
    return nbformat.read(course / "autograded" / "ben" / "convnets" / "convnets.ipynb", as_version=4)


def test_its_autograde_button_grades_through_the_sandbox(clicked_autograde):
    tests = next(cell for cell in clicked_autograde.cells
                 if cell.metadata.get("nbgrader", {}).get("grade_id") == "tests-sigmoid-gradient")
    feedback = "".join(output.get("text", "") for output in tests.outputs)
    assert "sigmoid-no-overflow" in feedback and "Smallest failing input" in feedback  # the sandboxed suite's words


def test_a_manual_score_set_in_the_formgrader_reaches_grades_csv(formgrader, clicked_autograde, course):
    notebook = formgrader.api("GET", "/formgrader/api/submitted_notebooks/convnets/convnets")[0]
    grades = formgrader.api("GET", f"/formgrader/api/grades?submission_id={notebook['id']}")
    answer = next(grade for grade in grades if grade["name"] == "answer-sigmoid-derivative")
    formgrader.api("PUT", f"/formgrader/api/grade/{answer['id']}", {"manual_score": 7, "extra_credit": 0})
    nbgrader("export", f"--to={course / 'grades.csv'}", course_root=course, quiet=True)
    with open(course / "grades.csv", newline="") as table:
        row = next(row for row in csv.DictReader(table) if row["student_id"] == "ben")
    assert float(row["raw_score"]) == 125.0 + 7  # the autograded parts and the TA's score for the written answer
