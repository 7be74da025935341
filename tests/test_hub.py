"""The course on a real JupyterHub: ``deploy/jupyterhub/jupyterhub_config.py``, tested.

The test starts JupyterHub with that file (configurable-http-proxy in front, everything on 127.0.0.1, its state
in a temporary folder), with two students, alice and bob. Each logs in through the hub's REST API (a token
asked for with the class's password: the DummyAuthenticator), starts a server of their own, and runs notebook 05
(``05_style_transfer_live``, as ``nst-teach notebooks`` copied it into their folder, quick mode, the exercises
unsolved, as a student first meets it) cell by cell in a kernel of that server, over the proxy and the kernel's
websocket, the two at the same time. Then each student's folder holds the course and their own work, and
nothing of the other's; both kernels read the one shared weights file (``NST_TEACH_WEIGHTS``) and the memory
budget the hub gives.

The hub, the proxy, the servers and their kernels are stopped at the end, pass or fail. Without
configurable-http-proxy (``.ci/run`` installs Debian's ``node-configurable-http-proxy``) or JupyterHub (the
``test`` extra) the test is skipped, and under CI it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))
import bench_app_load  # noqa: E402  (the kernel websocket's client, shared with the load test)

sys.path.remove(str(BENCH))

USERS = ("alice", "bob")
INSTRUCTOR = "teacher"  #: a hub user with nbgrader's instructor configuration (NST_TEACH_HUB_INSTRUCTORS)
NOTEBOOK = "05_style_transfer_live.ipynb"
PROXY = "configurable-http-proxy"
NODE_MODULES = Path("/usr/share/nodejs")  # where Debian's package keeps the proxy's modules


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(base: str, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    """A request to the hub (or a server behind it) at ``base`` + ``path``: its status and its JSON."""
    request = urllib.request.Request(
        base + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"token {token}"} if token else {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text.strip() else {}
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")}
    except (urllib.error.URLError, OSError) as exc:  # not listening (yet)
        return 0, {"error": str(exc)}


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[dict]:
    """JupyterHub with the course's configuration, alice and bob allowed; stopped with all it started."""
    pytest.importorskip("jupyterhub", reason="JupyterHub is in the test extra: pip install -e '.[test]'")
    if shutil.which(PROXY) is None:
        message = f"{PROXY} is not installed (.ci/run installs Debian's node-configurable-http-proxy)"
        if _in_ci():
            pytest.fail(message + "; CI must run the hub test", pytrace=False)
        pytest.skip(message)
    from nst_teach.weights import write_random_weights

    state, homes = tmp_path / "hub", tmp_path / "homes"
    state.mkdir()
    weights = tmp_path / "shared" / "vgg19_random.h5"
    weights.parent.mkdir()
    write_random_weights(weights, seed=0)  # the one weights file every student reads (random: no download)
    port = free_port()
    settings = {
        "password": secrets.token_urlsafe(12),
        "service_token": secrets.token_hex(24),
        "base": f"http://127.0.0.1:{port}",
        "homes": homes,
        "weights": weights,
        "exchange": tmp_path / "exchange",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NST_TEACH_HOME"))}
    env.update(
        NST_TEACH_HUB_PASSWORD=settings["password"], NST_TEACH_HUB_SERVICE_TOKEN=settings["service_token"],
        NST_TEACH_HUB_USERS=",".join([*USERS, INSTRUCTOR]), NST_TEACH_HUB_INSTRUCTORS=INSTRUCTOR,
        NST_TEACH_HUB_HOMES=str(homes), NST_TEACH_HUB_PORT=str(port), NST_TEACH_HUB_EXCHANGE=str(tmp_path / "exchange"),
        NST_TEACH_HUB_PROXY_API_PORT=str(free_port()), NST_TEACH_HUB_HUB_PORT=str(free_port()),
        NST_TEACH_WEIGHTS=str(weights), NST_TEACH_QUICK="1", NST_TEACH_OFFLINE="1", PYTHONUNBUFFERED="1",
    )  # fmt: skip
    if NODE_MODULES.is_dir():  # Debian's proxy finds its modules there; a Node.js from elsewhere needs telling
        env["NODE_PATH"] = os.pathsep.join(p for p in (str(NODE_MODULES), env.get("NODE_PATH", "")) if p)
    log = (state / "hub.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=state, env=env,
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    seen: dict[int, psutil.Process] = {}

    def remember() -> None:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children(recursive=True):
                seen.setdefault(child.pid, child)

    settings.update(process=process, remember=remember, log=state / "hub.log")
    try:
        deadline = time.monotonic() + 120
        while api(settings["base"], "GET", "/hub/api/")[0] != 200:
            assert process.poll() is None, (state / "hub.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "the hub did not answer:\n" + (state / "hub.log").read_text()[-4000:]
            time.sleep(0.5)
        remember()
        yield settings
    finally:
        remember()
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)  # the hub stops the students' servers and the proxy (cleanup_*)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        _, alive = psutil.wait_procs(list(seen.values()), timeout=15)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
        log.close()


async def run_notebook(hub: dict, user: str, token: str, cells: list[str]) -> list[str]:
    """Runs ``cells`` in a new kernel of ``user``'s server, through the proxy; returns what each printed."""
    base = f"{hub['base']}/user/{user}/"
    status, kernel = api(base, "POST", "api/kernels", token, {"name": "python3", "path": "nst-teach-course"})
    assert status == 201, kernel
    channel = bench_app_load.Page(base, token, "127.0.0.1")
    await channel.connect(f"{base}api/kernels/{kernel['id']}/channels", headers={"Authorization": f"token {token}"})
    printed = []
    try:
        for index, code in enumerate(cells):
            seen = len(channel.messages)
            reply = await channel.request("execute_request", {"code": code, "silent": False, "store_history": True,
                                                              "user_expressions": {}, "allow_stdin": False,
                                                              "stop_on_error": True}, 600, wait="reply")  # fmt: skip
            await asyncio.sleep(0.2)  # the last outputs, which may follow the reply
            out = "".join(m["content"].get("text", "") for m in channel.messages[seen:] if m["msg_type"] == "stream")
            errors = [m["content"] for m in channel.messages[seen:] if m["msg_type"] == "error"]
            assert reply["content"]["status"] == "ok", f"{user}: cell {index} failed: {errors}\n{code[:500]}"
            printed.append(out)
    finally:
        await channel.close()
        api(base, "DELETE", f"api/kernels/{kernel['id']}", token)
    return printed


def log_in_and_start(hub: dict, users: tuple[str, ...]) -> dict[str, str]:
    """Each user logs in through the hub's REST API (a token for the class's password) and starts a server."""
    base, tokens = hub["base"], {}
    for user in users:
        status, answer = api(base, "POST", f"/hub/api/users/{user}/tokens",
                             body={"auth": {"username": user, "password": hub["password"]}})  # fmt: skip
        assert status in (200, 201), answer
        tokens[user] = answer["token"]
        wrong = {"auth": {"username": user, "password": "wrong-word"}}
        status, _ = api(base, "POST", f"/hub/api/users/{user}/tokens", body=wrong)
        assert status == 403, "a wrong password got a token"
    for user in users:
        status, answer = api(base, "POST", f"/hub/api/users/{user}/server", tokens[user])
        assert status in (201, 202), answer
    deadline = time.monotonic() + 300
    for user in users:
        while (
            not api(base, "GET", f"/hub/api/users/{user}", tokens[user])[1].get("servers", {}).get("", {}).get("ready")
        ):
            assert time.monotonic() < deadline, f"{user}'s server did not start:\n{hub['log'].read_text()[-4000:]}"
            time.sleep(1)
    hub["remember"]()
    return tokens


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_two_students_log_in_spawn_and_run_notebook_05_each_in_their_own_folder(hub):
    base = hub["base"]
    tokens = log_in_and_start(hub, USERS)
    hub["remember"]()
    status, users = api(base, "GET", "/hub/api/users", hub["service_token"])
    assert status == 200 and sorted(u["name"] for u in users) == sorted([*USERS, INSTRUCTOR])
    status, _ = api(base, "GET", "/user/bob/api/contents", tokens["alice"])
    assert status == 403, "alice's token opened bob's server"

    for user in USERS:  # the course, copied at spawn into each one's folder
        course = hub["homes"] / user / "nst-teach-course"
        assert (course / NOTEBOOK).is_file() and (course / "00_welcome.ipynb").is_file(), sorted(course.iterdir())
    cells = [c.source for c in nbformat.read(hub["homes"] / USERS[0] / "nst-teach-course" / NOTEBOOK, 4).cells
             if c.cell_type == "code"]  # fmt: skip
    work = (
        "import os, pathlib\n"
        "pathlib.Path('my-work.txt').write_text(os.environ['USER'])\n"
        "print('ENV', os.environ['NST_TEACH_WEIGHTS'], os.environ['NST_TEACH_MEMORY_BUDGET_MB'], os.getcwd())"
    )

    async def both() -> list[list[str]]:
        return await asyncio.gather(*(run_notebook(hub, user, tokens[user], [*cells, work]) for user in USERS))

    started = time.monotonic()
    printed = asyncio.run(both())
    hub["remember"]()
    print(f"notebook 05 in both kernels: {time.monotonic() - started:.0f} s")
    for user, out in zip(USERS, printed):
        weights, budget, cwd = out[-1].split("ENV ", 1)[1].split()
        assert weights == str(hub["weights"]), "each student reads the one shared weights file"
        assert int(budget) > 1000 and cwd == str((hub["homes"] / user / "nst-teach-course").resolve())
        assert any("quick mode" in text for text in out), "the notebook ran in quick mode"

    assert sorted(p.name for p in hub["homes"].iterdir()) == list(USERS)
    trees = {}
    for user in USERS:
        home = hub["homes"] / user
        files = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
        trees[user] = files
        assert (home / "nst-teach-course" / "my-work.txt").read_text() == user
        for other in USERS:
            if other != user:
                assert not any(other in path for path in files), f"{user}'s folder holds {other}'s work"
                contents = " ".join(
                    (home / path).read_text(errors="replace") for path in files if path.endswith((".txt", ".json"))
                )
                assert str(hub["homes"] / other) not in contents
    courses = [{path for path in trees[user] if path.startswith("nst-teach-course/")} for user in USERS]
    assert courses[0] == courses[1], "the two course folders hold the same files, each their own"
    assert "nst-teach-course/my-work.txt" in courses[0] and f"nst-teach-course/{NOTEBOOK}" in courses[0]


ASSIGNMENT = "04_gram_and_style_cost"  #: released, fetched, handed in and graded on the hub


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_nbgrader_exchange_on_the_hub_release_fetch_submit_collect_autograde_and_feedback(hub):
    """The instructor releases an assignment from a terminal of their server; alice and bob fetch it and hand it
    in through their servers' Assignments tab (its requests: ``/assignments``, ``fetch``, ``submit``), alice
    with her answers saved as JupyterLab saves them; the instructor collects, autogrades and releases the
    feedback, which each student fetches (``fetch_feedback``): a page with their own score and code."""
    pytest.importorskip("nbgrader", reason="nbgrader: pip install './instructor[nbgrader]'")
    pytest.importorskip("nst_teach_instructor", reason="the instructor's package: pip install ./instructor")
    from nbgrader.api import Gradebook
    from test_nbgrader import _text, solved_notebook

    from nst_teach_instructor.nbgrader import COURSE_ID

    base, homes, name = hub["base"], hub["homes"], f"{ASSIGNMENT}.ipynb"
    tokens = log_in_and_start(hub, (*USERS, INSTRUCTOR))
    config = (homes / INSTRUCTOR / ".jupyter" / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.course_id = {COURSE_ID!r}" in config, "the hub's course is the instructor package's"
    assert f"c.Exchange.root = {str(hub['exchange'].resolve())!r}" in config and "student_id" not in config
    for user in USERS:
        assert f"student_id = {user!r}" in (homes / user / ".jupyter" / "nbgrader_config.py").read_text()

    def in_a_terminal(*commands: str) -> None:
        """The instructor's shell commands, run in their server (from a kernel there, as its terminal would)."""
        code = (
            "import subprocess\n"
            f"for command in {list(commands)!r}:\n"
            "    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=900)\n"
            "    assert done.returncode == 0 and '[ERROR]' not in done.stderr, (command, done.stderr[-3000:])\n"
        )
        asyncio.run(run_notebook(hub, INSTRUCTOR, tokens[INSTRUCTOR], [code]))

    in_a_terminal(  # nst-teach and nbgrader by name: the hub puts this environment's commands on the PATH
        "nst-teach notebooks --nbgrader ~/grading",
        f"cd ~/grading && nbgrader generate_assignment {ASSIGNMENT} --force",
        f"cd ~/grading && nbgrader release_assignment {ASSIGNMENT}",
    )
    source = json.loads((homes / INSTRUCTOR / "grading" / "source" / ASSIGNMENT / name).read_text())
    for user in USERS:
        server = f"{base}/user/{user}/"
        status, listed = api(server, "GET", f"assignments?course_id={COURSE_ID}", tokens[user])
        assert status == 200 and listed["success"], listed
        assert [a["assignment_id"] for a in listed["value"] if a["status"] == "released"] == [ASSIGNMENT], listed
        status, fetched = api(server, "POST", "assignments/fetch", tokens[user],
                              {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})  # fmt: skip
        assert status == 200 and fetched["success"], fetched
        assert (homes / user / ASSIGNMENT / name).is_file(), f"{user} fetched nothing into their folder"
    path = f"api/contents/{ASSIGNMENT}/{name}"
    status, model = api(f"{base}/user/alice/", "GET", path, tokens["alice"])
    assert status == 200, model
    answered = {"type": "notebook", "format": "json", "content": solved_notebook(model["content"], source)}
    assert api(f"{base}/user/alice/", "PUT", path, tokens["alice"], answered)[0] == 200  # saved, as Lab saves
    for user in USERS:  # bob hands the assignment in as fetched
        status, submitted = api(f"{base}/user/{user}/", "POST", "assignments/submit", tokens[user],
                                {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})  # fmt: skip
        assert status == 200 and submitted["success"], submitted
    inbound = sorted(p.name.split("+")[0] for p in (hub["exchange"] / COURSE_ID / "inbound").iterdir())
    assert inbound == sorted(USERS), f"the submissions are named by the hub's users, not the system's: {inbound}"

    in_a_terminal(f"cd ~/grading && nbgrader collect {ASSIGNMENT} && nbgrader autograde {ASSIGNMENT} --force")
    grading = homes / INSTRUCTOR / "grading"
    with Gradebook(f"sqlite:///{grading / 'gradebook.db'}") as gradebook:
        scores, totals = {}, {}
        for user in USERS:
            graded = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, user)
            scores[user] = [(g.auto_score, g.max_score) for g in graded.grades if g.cell_type == "code"]
            totals[user] = (graded.score, graded.max_score)  # the written answers too (0 until graded by hand)
    assert scores["alice"] and all(score == top > 0 for score, top in scores["alice"]), scores
    assert scores["bob"] and all(score == 0 for score, _ in scores["bob"]), scores
    answers = [  # the lines of the instructor's solutions, between nbgrader's markers
        line
        for cell in source["cells"]
        for block in _text(cell).split("### BEGIN SOLUTION")[1:]
        for line in block.split("### END SOLUTION")[0].splitlines()
        if line.strip()
    ]
    handed_in = {  # each student's answer cells, as collected
        user: "\n".join(
            _text(cell)
            for cell in json.loads((grading / "submitted" / user / ASSIGNMENT / name).read_text())["cells"]
            if cell["metadata"].get("nbgrader", {}).get("solution")
        )
        for user in USERS
    }
    assert answers and all(line in handed_in["alice"] for line in answers), "alice's answers were collected"
    assert not any(line in handed_in["bob"] for line in answers), "bob's submission holds alice's answers"
    for user in USERS:  # each folder: their own copy of the assignment, and nothing of the other's
        files = [p.relative_to(homes / user).as_posix() for p in (homes / user).rglob("*") if p.is_file()]
        assert f"{ASSIGNMENT}/{name}" in files and not [f for f in files if any(o in f for o in USERS if o != user)]
    in_a_terminal(f"cd ~/grading && nbgrader generate_feedback {ASSIGNMENT} --force",
                  f"cd ~/grading && nbgrader release_feedback {ASSIGNMENT}")  # fmt: skip
    feedback = {}
    for user in USERS:  # the Assignments tab's "Fetch Feedback"
        status, listed = api(f"{base}/user/{user}/", "POST", "assignments/fetch_feedback", tokens[user],
                             {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})  # fmt: skip
        assert status == 200 and listed["success"], listed
        (page,) = (homes / user / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html")
        feedback[user] = page.read_text()

    def flat(text: str) -> str:  # without its spaces and line breaks
        return re.sub(r"\s+", "", text)

    def shown(page: str) -> str:  # the text a feedback page shows (its code is highlighted, in many tags)
        return flat(html.unescape(re.sub(r"<[^>]+>", "", page)))

    for user in USERS:  # each student's page: their own score, and their own answers only
        assert f"(Score:{totals[user][0]:.1f}/{totals[user][1]:.1f})" in shown(feedback[user]), (user, totals)
    code = [line for cell in source["cells"] if cell["cell_type"] == "code" for line in answers if line in _text(cell)]
    missing = [line for line in code if flat(line) not in shown(feedback["alice"])]
    assert code and not missing, f"alice's feedback page lacks her code: {missing}"
    bobs = json.loads((grading / "submitted" / "bob" / ASSIGNMENT / name).read_text())["cells"]
    given = flat("\n".join(_text(cell) for cell in bobs))  # what bob handed in: the notebook's given code
    leaked = [line for line in code if flat(line) in shown(feedback["bob"]) and flat(line) not in given]
    assert not leaked, f"bob's feedback page holds alice's code: {leaked}"
    print("nbgrader on the hub, the autograded scores:", scores)


def test_the_zero_to_jupyterhub_config_carries_the_measured_memory_and_says_it_is_untested():
    import yaml

    from nst_teach.servers.room import NOTEBOOK_PEAK_BYTES

    path = ROOT / "deploy" / "zero-to-jupyterhub" / "config.yaml"
    text = path.read_text()
    config = yaml.safe_load(text)
    assert "UNTESTED ON KUBERNETES" in text
    memory = config["singleuser"]["memory"]
    assert float(memory["guarantee"].rstrip("G")) * 1e9 >= NOTEBOOK_PEAK_BYTES * 0.95
    assert float(memory["limit"].rstrip("G")) * 1e9 >= NOTEBOOK_PEAK_BYTES + 0.5e9
    megabytes = int(config["singleuser"]["extraEnv"]["NST_TEACH_MEMORY_BUDGET_MB"])
    assert megabytes == int((float(memory["limit"].rstrip("G")) - 0.25) * 1e9 / 2**20), "jupyterhub_config.py's rule"
    assert "nst-teach notebooks" in " ".join(config["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"])
