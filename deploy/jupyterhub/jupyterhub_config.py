"""JupyterHub for the nst-teach course: one machine, every student a folder and a server of their own.

Tested by ``tests/test_hub.py`` (a real hub, configurable-http-proxy, two students on 127.0.0.1, notebook 05 run
in each one's kernel). Start it from a folder where the hub may keep its state (its database, cookie secret):

    NST_TEACH_HUB_PASSWORD=a-word-for-the-class jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

What it sets up:

- **Where.** The hub listens on ``$NST_TEACH_HUB_IP`` (default 127.0.0.1: this machine only; 0.0.0.0 for the
  room's network, behind HTTPS) at ``$NST_TEACH_HUB_PORT`` (8000); the proxy's API and the hub itself on
  loopback ports (``$NST_TEACH_HUB_PROXY_API_PORT``, 8001; ``$NST_TEACH_HUB_HUB_PORT``, 8081).
- **Who.** A test authenticator (DummyAuthenticator): any user name listed in ``$NST_TEACH_HUB_USERS``
  (comma-separated; empty: any name) with the one password ``$NST_TEACH_HUB_PASSWORD``. For a rehearsal
  or a class on a trusted machine; for real accounts use an authenticator of your school's (OAuth,
  LTI, NativeAuthenticator) and set ``c.JupyterHub.authenticator_class`` after this file's settings.
- **How.** SimpleLocalProcessSpawner: every student's server runs on this machine, as the hub's own user,
  in ``$NST_TEACH_HUB_HOMES/<name>`` (default ``./homes``): a folder of their own, not an account of their
  own (a student's terminal could read another's folder). For separate accounts use LocalProcessSpawner
  (system users) or SystemdSpawner; for many machines, Kubernetes (``deploy/zero-to-jupyterhub``).
- **The course.** Before a server starts, ``nst-teach notebooks ~/nst-teach-course`` copies the course into
  the student's folder (again after an upgrade: it updates the notebooks still as nst-teach wrote them
  and keeps the ones the student changed); the server opens ``00_welcome.ipynb``.
- **The weights, once.** ``$NST_TEACH_WEIGHTS`` (the ImageNet file, downloaded once with
  ``KERAS_HOME=/opt/nst-teach nst-teach weights --download``) is passed to every server, as are
  ``NST_TEACH_OFFLINE`` and ``NST_TEACH_QUICK`` when the hub has them.
- **Memory.** A student's notebook kernel peaks at ``nst_teach.servers.room.NOTEBOOK_PEAK_BYTES`` (about 2 GB:
  notebook 05 run top to bottom, measured by ``benchmarks/bench_course.py``): each student is guaranteed that
  and limited to it plus 0.5 GB for the server, in 0.5 GB steps (2.5 GB), and ``NST_TEACH_MEMORY_BUDGET_MB``
  tells nst-teach the same, so that a run which would not fit is refused with a size that does instead of
  the kernel dying. This spawner cannot enforce the limit (SystemdSpawner and Kubernetes do): the machine
  needs about 2 GB per student running a notebook at once (the kernels share TensorFlow's pages).
- **nbgrader's exchange.** Every server finds ``~/.jupyter/nbgrader_config.py``, written at each start: the
  exchange folder ``$NST_TEACH_HUB_EXCHANGE`` (default ``./exchange``, created readable and writable by all,
  as nbgrader asks) and the course ``nst-teach``. The instructors (``$NST_TEACH_HUB_INSTRUCTORS``,
  comma-separated hub users) run ``nst-teach notebooks --nbgrader``, ``nbgrader release_assignment``,
  ``collect`` and ``autograde`` in a terminal of their own server; the students fetch and submit in
  JupyterLab's Assignments tab. Since every server here runs as one system user, a student's submissions
  are named by their hub name (nbgrader would use the system user's), and a student could hand in as
  another from a terminal: for graded work give each an account of their own (LocalProcessSpawner,
  SystemdSpawner, Kubernetes) and drop ``student_id`` from :func:`nbgrader_config`.
- **A checker** (the tests'): ``$NST_TEACH_HUB_SERVICE_TOKEN``, if set, is the API token of a service that
  may list users and their servers.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

from nst_teach.servers.room import NOTEBOOK_PEAK_BYTES

c = get_config()  # noqa: F821 - JupyterHub's loader defines it

STATE = Path.cwd()  # the hub's database and cookie secret: the folder it starts in
HOMES = Path(os.environ.get("NST_TEACH_HUB_HOMES", STATE / "homes")).resolve()
PASSWORD = os.environ.get("NST_TEACH_HUB_PASSWORD", "")
if len(PASSWORD) < 8:
    raise SystemExit(
        "jupyterhub_config.py: set NST_TEACH_HUB_PASSWORD to the class's password (8 characters or more) "
        "before starting the hub; with DummyAuthenticator it is all that keeps strangers out"
    )

# --- where ---------------------------------------------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("NST_TEACH_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("NST_TEACH_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("NST_TEACH_HUB_HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('NST_TEACH_HUB_PROXY_API_PORT', '8001')}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers

# --- who -----------------------------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = PASSWORD
USERS = {name.strip() for name in os.environ.get("NST_TEACH_HUB_USERS", "").split(",") if name.strip()}
if USERS:
    c.Authenticator.allowed_users = USERS  # created at start-up, so that they may ask for a token at once
else:
    c.Authenticator.allow_all = True

# --- how -----------------------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"  # jupyterhub.spawner.SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]  # this environment's
c.Spawner.notebook_dir = str(HOMES / "{username}")
c.Spawner.default_url = "/lab/tree/nst-teach-course/00_welcome.ipynb"
if hasattr(os, "geteuid") and os.geteuid() == 0:  # a container or CI: the servers run as root too, which they refuse
    c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


# --- nbgrader's exchange ----------------------------------------------------------------------------------------
EXCHANGE = Path(os.environ.get("NST_TEACH_HUB_EXCHANGE", STATE / "exchange")).resolve()
COURSE = "nst-teach"  # nst_teach_instructor.nbgrader.COURSE_ID (the instructor's package; tests/test_hub.py)
INSTRUCTORS = {name.strip() for name in os.environ.get("NST_TEACH_HUB_INSTRUCTORS", "").split(",") if name.strip()}
if not EXCHANGE.is_dir():
    EXCHANGE.mkdir(parents=True)
    EXCHANGE.chmod(0o777)  # as nbgrader's documentation sets up its exchange: every user writes there


def nbgrader_config(user: str) -> str:
    """The ``~/.jupyter/nbgrader_config.py`` of ``user``'s server: the hub's exchange and course."""
    lines = [
        "# Written by the hub at each start (deploy/jupyterhub/jupyterhub_config.py): nbgrader's exchange.",
        "c = get_config()  # noqa: F821 - nbgrader defines it",
        f"c.Exchange.root = {str(EXCHANGE)!r}",
        f"c.CourseDirectory.course_id = {COURSE!r}",
    ]
    if user not in INSTRUCTORS:  # one system user for all: name the submissions by the hub's name
        lines.append(f"c.CourseDirectory.student_id = {user!r}")
    return "\n".join(lines) + "\n"


def copy_the_course(spawner) -> None:
    """Before a server starts: the course copied into the user's folder, and their nbgrader configuration."""
    home = Path(spawner.home_dir)
    (home / ".jupyter").mkdir(parents=True, exist_ok=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(nbgrader_config(spawner.user.name), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "nst_teach", "notebooks", str(home / "nst-teach-course")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(home)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"nst-teach notebooks failed for {spawner.user.name}: {done.stderr[-2000:]}")
    spawner.log.info("nst-teach: the course is in %s", home / "nst-teach-course")


c.Spawner.pre_spawn_hook = copy_the_course

# --- memory and the environment --------------------------------------------------------------------------------
GB = 10**9
PEAK = NOTEBOOK_PEAK_BYTES
LIMIT = math.ceil((PEAK + 0.5 * GB) / (0.5 * GB)) * 0.5 * GB  # the peak and 0.5 GB for the server, in 0.5 GB steps
c.Spawner.mem_guarantee = int(PEAK)
c.Spawner.mem_limit = int(LIMIT)
c.Spawner.environment = {
    "NST_TEACH_MEMORY_BUDGET_MB": str(int((LIMIT - 0.25 * GB) / 2**20)),  # the kernel's share of the limit
    # A terminal finds this environment's commands (nst-teach, nbgrader) first, activated or not.
    "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
    **{
        name: os.environ[name]
        for name in ("NST_TEACH_WEIGHTS", "NST_TEACH_OFFLINE", "NST_TEACH_QUICK")
        if os.environ.get(name)
    },
}

# --- a checker (the tests') ------------------------------------------------------------------------------------
if os.environ.get("NST_TEACH_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "nst-teach-check", "api_token": os.environ["NST_TEACH_HUB_SERVICE_TOKEN"]}]
    c.JupyterHub.load_roles = [
        {
            "name": "nst-teach-check",
            "scopes": ["list:users", "read:users", "read:servers"],
            "services": ["nst-teach-check"],
        }
    ]
