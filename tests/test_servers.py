"""nst_teach/servers.py: the commands it builds, what it lets through to the terminal, and the servers it stops.

The unit tests build commands and filter log lines. The process tests run ``serve`` on a stand-in server
(a tiny Python script that listens on a port and starts a "kernel" in a session of its own, as
jupyter_client does) and send it signals. The last two start the real ``nst-teach tutorial`` and
``nst-teach app`` on 127.0.0.1 in a temporary folder, open the printed address, send SIGTERM and check
that the port is free and no process is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from nst_teach import servers
from nst_teach.errors import OptionError
from nst_teach.servers import OutputFilter, choose_port, lab_command, voila_command

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\S*\?token=(\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- the commands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("euid, root", [(0, True), (1000, False)])
def test_jupyterlab_gets_allow_root_exactly_when_the_user_is_root(monkeypatch, euid, root):
    monkeypatch.setattr(servers.commands.os, "geteuid", lambda: euid)
    lab = lab_command(ROOT, "notebooks/00_welcome.ipynb", port=8890, token="t0k")
    assert ("--allow-root" in lab.argv) is root
    assert bool(lab.notices) is root
    if root:
        assert len(lab.notices) == 1 and "root" in lab.notices[0] and "--allow-root" in lab.notices[0]


def test_the_lab_url_opens_the_first_notebook_and_the_token_stays_off_the_command_line():
    lab = lab_command(ROOT, "notebooks/00_welcome.ipynb", ip="127.0.0.1", port=8890, as_root=False)
    token = lab.env["JUPYTER_TOKEN"]
    assert len(token) >= 24
    assert lab.url == f"http://127.0.0.1:8890/lab/tree/notebooks/00_welcome.ipynb?token={token}"
    assert not any(token in arg for arg in lab.argv), "the token would show in `ps`"
    assert f"--ServerApp.root_dir={ROOT}" in lab.argv and "--ServerApp.port=8890" in lab.argv
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
    assert lab_command(ROOT, "x.ipynb", as_root=False).env["JUPYTER_TOKEN"] != token, "a new token each time"


def test_voila_inside_jupyterlab_gets_the_template_and_the_bundled_mathjax(monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/theirs")
    lab = lab_command(ROOT, "notebooks/00_welcome.ipynb", as_root=False)
    first, *rest = lab.env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert rest == ["/theirs"]
    config = json.loads((Path(first) / "jupyter_server_config.json").read_text())
    assert config["VoilaConfiguration"]["template"] == servers.VOILA_TEMPLATE
    assert config["ServerApp"]["tornado_settings"] == {"mathjax_url": None, "mathjax_config": None}  # no CDN URL
    assert (Path(lab.env["JUPYTER_PATH"].split(os.pathsep)[0]) / "voila" / "templates" / "nst-teach").is_dir()


def test_every_interface_is_announced_as_localhost():
    assert lab_command(ROOT, "a.ipynb", ip="0.0.0.0", port=9000, token="t", as_root=False).url.startswith(
        "http://localhost:9000/lab/tree/a.ipynb"
    )


def test_the_voila_command_serves_the_app_with_the_template_without_cdn_links(monkeypatch, tmp_path):
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    assert "NST_TEACH_QUICK" not in voila_command(tmp_path / "app.ipynb").env
    app = voila_command(tmp_path / "app.ipynb", ip="127.0.0.1", port=8870, quick=True)
    token = app.env["JUPYTER_TOKEN"]
    assert app.url == f"http://127.0.0.1:8870/?token={token}"
    assert not any(token in arg for arg in app.argv)
    assert "--template=nst-teach" in app.argv and "--Voila.auto_token=True" in app.argv
    assert app.env["NST_TEACH_QUICK"] == "1"
    data = Path(app.env["JUPYTER_PATH"].split(os.pathsep)[0])
    template = data / "voila" / "templates" / "nst-teach"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert "cdn" not in re.sub(r"\{#.*?#\}", "", (template / "index.html.j2").read_text(), flags=re.S)


def test_jupyter_path_keeps_what_the_user_had(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_PATH", "/somewhere/else")
    paths = voila_command(tmp_path / "app.ipynb").env["JUPYTER_PATH"].split(os.pathsep)
    assert paths == [str(servers.JUPYTER_DATA), "/somewhere/else"]


def test_a_busy_port_is_refused_when_asked_for_and_skipped_otherwise():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(OptionError, match=rf"--port {busy} is in use"):
            choose_port("127.0.0.1", busy, servers.LAB_PORT)
        chosen = choose_port("127.0.0.1", None, busy)
        assert busy < chosen <= busy + servers.PORT_TRIES
    with pytest.raises(OptionError, match="between 1 and 65535"):
        choose_port("127.0.0.1", 70000, servers.LAB_PORT)
    with pytest.raises(OptionError, match=r"--ip '192\.0\.2\.1' is not an address of this machine"):
        choose_port("192.0.2.1", None, servers.LAB_PORT)  # TEST-NET-1: never this machine's


@pytest.mark.parametrize("env, expected", [({}, False), ({"DISPLAY": ":0"}, True), ({"WAYLAND_DISPLAY": "w"}, True)])
def test_a_display_is_found_from_the_environment_on_linux(monkeypatch, env, expected):
    monkeypatch.setattr(servers.commands.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert servers.has_display() is expected


# --- the room's limits (nst_teach/servers/room.py, voila_room.py) ------------------------------------------

GiB = 2**30


@pytest.mark.parametrize(
    "quick, ip, budget, expected",
    [
        (False, "localhost", 24 * GiB, (13, 13, 2)),  # (24 − 1) GiB / 1500 MiB: 15 fit, 2 of them warm; one user
        (True, "0.0.0.0", 8 * GiB, (5, 2, 1)),  # (8 − 1) GiB / 1190 MiB: 6 fit, 1 warm; the room's network: 2 a device
        (False, "0.0.0.0", 2 * GiB, (1, 1, 0)),  # a Binder-sized machine: one painting, no warm kernel
    ],
)
def test_the_default_limits_come_from_the_memory_and_the_measured_kernel_peak(quick, ip, budget, expected, tmp_path):
    limits = servers.room_limits(quick=quick, ip=ip, output_dir=tmp_path, budget=budget, downloads_dir=tmp_path)
    assert (limits.max_kernels, limits.max_kernels_per_client, limits.warm_kernels) == expected
    assert limits.idle_minutes == servers.room.IDLE_MINUTES and f"{budget / GiB:.1f} GiB free" in limits.basis
    assert 0 < limits.max_output_mb <= servers.room.OUTPUT_MB
    assert 0 < limits.max_downloads_mb <= servers.room.DOWNLOADS_MB


def test_the_instructors_flags_win_and_impossible_ones_are_refused(tmp_path):
    given = {"max_kernels": 3, "max_kernels_per_client": 1, "warm_kernels": 0, "idle_minutes": 0,
             "max_output_mb": 5, "max_downloads_mb": None}  # fmt: skip
    limits = servers.room_limits(quick=False, ip="0.0.0.0", output_dir=tmp_path, given=given, budget=64 * GiB)
    assert (limits.max_kernels, limits.max_kernels_per_client, limits.warm_kernels) == (3, 1, 0)
    assert (limits.idle_minutes, limits.max_output_mb) == (0, 5) and limits.max_downloads_mb > 0
    argv = servers.room.voila_arguments(limits)
    assert "--Seats.max_kernels=3" in argv and "--Seats.max_kernels_per_client=1" in argv
    assert not any("preheat" in a or "cull" in a for a in argv), "no warm kernels, no culling asked for"
    with pytest.raises(OptionError, match="--max-kernels must be at least 1"):
        servers.room_limits(quick=False, ip="::", output_dir=tmp_path, given={"max_kernels": 0})
    with pytest.raises(OptionError, match=r"--max-kernels-per-client must be between 1 and --max-kernels \(2\)"):
        servers.room_limits(quick=False, ip="::", output_dir=tmp_path, given={"max_kernels": 2,
                                                                            "max_kernels_per_client": 5})  # fmt: skip


def test_the_voila_command_keeps_the_room_and_hides_tracebacks(tmp_path):
    limits = servers.RoomLimits(4, 2, warm_kernels=1, idle_minutes=10, max_output_mb=300, max_downloads_mb=200)
    app = voila_command(tmp_path / "app.ipynb", ip="0.0.0.0", limits=limits)
    assert app.argv[1:3] == ["-m", "nst_teach.servers.voila_room"] and app.limits == limits
    for arg in ("--Seats.max_kernels=4", "--Seats.max_kernels_per_client=2", "--preheat_kernel=True", "--pool_size=1",
                "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_connected=True",
                "--show_tracebacks=False", f"--VoilaExecutor.cell_error_instruction={servers.CELL_ERROR}",
                f"--VoilaExecutor.iopub_timeout={servers.commands.IOPUB_TIMEOUT_S}"):  # fmt: skip
        assert arg in app.argv
    assert servers.commands.IOPUB_TIMEOUT_S >= 60, "a room's widgets may come a minute after their cell's reply"
    assert app.env["NST_TEACH_CLASSROOM_OUTPUT_MB"] == "300" and app.env["NST_TEACH_CLASSROOM_DOWNLOADS_MB"] == "200"
    said = app.notices[-1]
    assert said.startswith("nst-teach: room for 4 paintings at once (--max-kernels") and "--idle-minutes" in said


def test_nst_teach_app_takes_the_room_flags(tmp_path, monkeypatch, capsys):
    from nst_teach import cli

    seen = []
    monkeypatch.setattr(servers, "choose_port", lambda ip, port, usual: 8872)
    monkeypatch.setattr(servers, "serve", lambda command, open_browser: seen.append(command) or 0)
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text("{}")
    flags = ["--max-kernels", "6", "--max-kernels-per-client", "2", "--warm-kernels", "1", "--idle-minutes", "7.5",
             "--max-output-mb", "100", "--max-downloads-mb", "50"]  # fmt: skip
    assert cli.main(["app", str(notebook), "--output-dir", str(tmp_path / "out"), *flags]) == 0
    (command,) = seen
    assert dataclasses.astuple(command.limits)[:6] == (6, 2, 1, 7.5, 100, 50)
    with pytest.raises(SystemExit):  # argparse's own refusal
        cli.main(["app", str(notebook), "--max-kernels", "-1"])
    assert "invalid whole number (0 or more) value: '-1'" in capsys.readouterr().err
    assert cli.main(["app", str(notebook), "--max-kernels", "0"]) == 2
    assert "--max-kernels must be at least 1" in capsys.readouterr().err


def test_a_seat_per_page_per_device_and_the_page_that_says_the_room_is_full():
    from nst_teach.servers.voila_room import Full, Seats, framed, full_page

    seats, kernels = Seats(max_kernels=2, max_kernels_per_client=1), set()
    a = seats.take("10.0.0.5", kernels)
    assert seats.take("10.0.0.5", kernels) == Full("device", 1, 1)
    b = seats.take("10.0.0.6", kernels)
    full = seats.take("10.0.0.7", kernels)
    assert full == Full("room", 2, 2) and "The room is full: 2 paintings are running" in full_page(full)
    seats.settle(b)  # its page ended without a kernel: the seat is free again
    a.kernel_id = "k1"
    kernels.add("k1")
    c = seats.take("10.0.0.7", kernels)
    c.kernel_id = "k2"
    kernels.add("k2")
    assert isinstance(seats.take("10.0.0.8", kernels), Full)
    kernels.discard("k1")  # culled, or its tab closed
    assert seats.take("10.0.0.8", kernels).client == "10.0.0.8"
    page = full_page(Full("device", 2, 2))
    assert "This device already has 2 paintings open" in page and "<script" not in page and "://" not in page
    assert not framed(b"") and not framed((3).to_bytes(8, "little") + (99).to_bytes(8, "little") * 3)


# --- the filter ------------------------------------------------------------------------------------------

# Lines JupyterLab 4 and Voila 0.5 printed on this project's machine (tokens and ids shortened), and what a
# student must see of them.
LOG = """\
[I 2026-12-01 18:00:01.821 ServerApp] Extension package voila.server_extension took 0.1810s to import
[I 2026-12-01 18:00:01.822 ServerApp] jupyter_lsp | extension was successfully linked.
/venv/lib/python3.11/site-packages/traitlets/traitlets.py:1904: DeprecationWarning: ServerApp.token config is deprecated
  return self._get_trait_default_generator(names[0])(self)  # type:ignore[no-any-return]
[I 2026-12-01 18:00:02.065 ServerApp] jupyterlab | extension was successfully loaded.
[I 2026-12-01 18:00:02.113 ServerApp] Jupyter Server 2.21.1 is running at:
[I 2026-12-01 18:00:02.113 ServerApp] http://127.0.0.1:8888/lab?token=...
[I 2026-12-01 18:00:02.438 ServerApp] Skipped non-installed server(s): bash-language-server, pyright
[W 2026-12-01 18:00:07.332 ServerApp] Notebook notebooks/00_welcome.ipynb is not trusted
[I 2026-12-01 18:00:08.408 ServerApp] Kernel started: e051df7f
[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication is sent in plain text.
[W 2026-12-01 18:00:09.168 ServerApp] The websocket_ping_timeout (90000) cannot be longer than the interval (30000).
    Setting websocket_ping_timeout=30000
[Voila] Voilà is running at:
http://127.0.0.1:8866/?token=...
[Voila] WARNING | Notebook app.ipynb is not trusted
[Voila] Kernel started: a39442ab
The websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval (30000).
Setting websocket_ping_timeout=30000
2026-12-01 18:00:10.000000: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.
[W 2026-12-01 18:00:11.000 ServerApp] 404 GET /files/notebooks/missing.png (127.0.0.1) 1.20ms
[W 2026-12-01 18:00:12.000 ServerApp] AsyncIOLoopKernelRestarter: restarting kernel (1/5), keep random ports
[Voila] ERROR | Kernel died before replying to kernel_info
[E 2026-12-01 18:00:13.000 ServerApp] Uncaught exception GET /api/contents
    Traceback (most recent call last):
      File "handler.py", line 1, in get
    OSError: [Errno 28] No space left on device
nst-teach: warning: VGG-19 is using RANDOM filters: the pictures will not look like paintings
/work/notebooks/helper.py:3: UserWarning: the style image is smaller than the content
[C 2026-12-01 18:00:14.071 ServerApp] Running as root is not recommended. Use --allow-root to bypass.
"""

SHOWN = """\
[W 2026-12-01 18:00:11.000 ServerApp] 404 GET /files/notebooks/missing.png (127.0.0.1) 1.20ms
[W 2026-12-01 18:00:12.000 ServerApp] AsyncIOLoopKernelRestarter: restarting kernel (1/5), keep random ports
[Voila] ERROR | Kernel died before replying to kernel_info
[E 2026-12-01 18:00:13.000 ServerApp] Uncaught exception GET /api/contents
    Traceback (most recent call last):
      File "handler.py", line 1, in get
    OSError: [Errno 28] No space left on device
nst-teach: warning: VGG-19 is using RANDOM filters: the pictures will not look like paintings
/work/notebooks/helper.py:3: UserWarning: the style image is smaller than the content
[C 2026-12-01 18:00:14.071 ServerApp] Running as root is not recommended. Use --allow-root to bypass.
"""


def test_the_filter_keeps_what_a_student_can_act_on_and_nothing_else():
    keep = OutputFilter()
    assert "".join(line for line in LOG.splitlines(keepends=True) if keep(line)) == SHOWN


def test_blank_lines_are_dropped():
    keep = OutputFilter()
    assert not keep("\n") and not keep("   \n")


# --- stopping: serve() on a stand-in server ------------------------------------------------------------

# Listens on a port, prints a noise line and a line for the student, starts a "kernel" in a session of its
# own, and then either dies on SIGTERM without ending its kernel (a server that leaves kernels behind) or,
# "stubborn", ignores SIGTERM altogether. The kernel ignores SIGTERM when stubborn too.
FAKE_SERVER = textwrap.dedent("""\
    import signal, socket, subprocess, sys, time
    port, stubborn = int(sys.argv[1]), sys.argv[2] == "stubborn"
    kernel = "import signal, time\\n"
    if stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        kernel += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
    subprocess.Popen([sys.executable, "-c", kernel + "time.sleep(600)"], start_new_session=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    print("[I 2026-01-31 12:00:00.000 ServerApp] jupyterlab | extension was successfully loaded.", flush=True)
    print("[W 2026-01-31 12:00:00.000 ServerApp] a warning the student sees", flush=True)
    while True:
        time.sleep(1)
""")

# Runs serve() on the stand-in, as cli.py runs it on JupyterLab, with a short grace period.
DRIVER = textwrap.dedent("""\
    import sys
    from nst_teach import servers
    servers.processes.STOP_GRACE = float(sys.argv[4])
    port = int(sys.argv[2])
    command = servers.ServerCommand("FakeLab", [sys.executable, sys.argv[1], str(port), sys.argv[3]], "127.0.0.1",
                                    port, f"http://127.0.0.1:{port}/lab/tree/a.ipynb?token=t", "fake.log", {})
    sys.exit(servers.serve(command, open_browser=False))
""")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator:
    """``start(mode, grace)``: serve() on the stand-in server -> (process, port, children, what it printed).

    Whatever is left at the end is killed.
    """
    (tmp_path / "server.py").write_text(FAKE_SERVER)
    (tmp_path / "driver.py").write_text(DRIVER)
    started: list[tuple[subprocess.Popen, list[psutil.Process]]] = []

    def start(mode: str = "plain", grace: float = 30.0) -> tuple[subprocess.Popen, int, list[psutil.Process], str]:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "server.py"), str(port), mode, str(grace)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        children: list[psutil.Process] = []
        started.append((process, children))
        seen = []
        for line in process.stdout:
            seen.append(line)
            if "Ctrl-C stops FakeLab" in line:
                break
        children.extend(psutil.Process(process.pid).children(recursive=True))
        assert len(children) == 2, children  # the server and its kernel
        return process, port, children, "".join(seen)

    yield start
    for process, children in started:
        for child in [*children, process]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                child.kill()


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_the_server_and_its_kernel_and_sets_the_exit_status(fake, tmp_path, signum):
    process, port, children, started = fake()
    process.send_signal(signum)
    output = started + process.communicate(timeout=30)[0]
    assert process.returncode == 128 + signum
    assert all(gone(child) for child in children), "the server or its kernel outlived nst-teach"
    assert port_is_free(port)
    assert "FakeLab stopped" in output
    assert "a warning the student sees" in output and "successfully loaded" not in output
    assert "successfully loaded" in (tmp_path / "nst-teach-output" / "fake.log").read_text()


def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_period(fake):
    process, port, children, _ = fake("stubborn", grace=1.0)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert all(gone(child) for child in children)
    assert port_is_free(port)
    assert time.monotonic() - started < 15  # 1 s for the server, 5 s for the kernel's SIGTERM, then SIGKILL


def test_a_second_ctrl_c_kills_at_once(fake):
    process, _, children, _ = fake("stubborn", grace=60.0)
    process.send_signal(signal.SIGINT)
    time.sleep(1.0)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert process.returncode == 128 + signal.SIGINT
    assert all(gone(child) for child in children)


def test_a_server_that_fails_says_so_with_the_end_of_its_log(tmp_path):
    command = servers.ServerCommand(
        "FakeLab",
        [sys.executable, "-c", "import sys; print('port taken'); sys.exit(3)"],
        "127.0.0.1",
        free_port(),
        "http://x",
        "fail.log",
        dict(os.environ),
    )
    out = tmp_path / "out.txt"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with out.open("w") as stream:
            assert servers.serve(command, open_browser=False, out=stream) == 3
    finally:
        os.chdir(cwd)
    text = out.read_text()
    assert "FakeLab exited with status 3" in text and "port taken" in text
    assert "nst-teach-output/fail.log" in text.replace(os.sep, "/")


# --- the real commands, as root where this machine is root ------------------------------------------------


def start_nst_teach(*args: str, cwd: Path) -> tuple[subprocess.Popen, list[str], re.Match]:
    """Starts ``nst-teach ARGS`` in ``cwd`` (quick, offline, Jupyter's files in ``cwd``); waits for its URL."""
    env = dict(os.environ, NST_TEACH_QUICK="1", NST_TEACH_OFFLINE="1", PYTHONUNBUFFERED="1",
               HOME=str(cwd), JUPYTER_RUNTIME_DIR=str(cwd / "runtime"), JUPYTER_CONFIG_DIR=str(cwd / "config"),
               JUPYTERLAB_WORKSPACES_DIR=str(cwd / "workspaces"), IPYTHONDIR=str(cwd / "ipython"),
               MPLCONFIGDIR=str(cwd / "mpl"))  # fmt: skip
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "JUPYTER_TOKEN"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "nst_teach", *args], cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 180
    for line in process.stdout:
        lines.append(line)
        found = URL.search(line)
        if found:
            break
        assert time.monotonic() < deadline, "".join(lines)
    else:
        pytest.fail(f"nst-teach exited with {process.wait()} before printing its URL:\n{''.join(lines)}")
    for line in process.stdout:  # the hint after the URL
        lines.append(line)
        if "Ctrl-C stops" in line:
            break
    return process, lines, found


def stop_and_check(process: subprocess.Popen, port: int) -> str:
    """SIGTERM to nst-teach; it exits with 143, the port is free and none of its processes is left."""
    children = psutil.Process(process.pid).children(recursive=True)
    assert children, "no server process found"
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 143, rest
    _, alive = psutil.wait_procs(children, timeout=5)
    assert [p for p in alive if not gone(p)] == [], "processes outlived nst-teach"
    assert port_is_free(port)
    return rest


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read().decode()


NOISE_WORDS = ("is not trusted", "DeprecationWarning", "extension was successfully", "without encryption")


@pytest.mark.slow
def test_tutorial_prints_the_first_notebooks_address_and_sigterm_ends_it(tmp_path):
    port = free_port()
    process, lines, found = start_nst_teach("tutorial", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
                                            cwd=tmp_path)  # fmt: skip
    try:
        text = "".join(lines)
        if os.geteuid() == 0:
            assert any("running as root" in line and "--allow-root" in line for line in lines[:2]), lines
        assert "the course is in nst-teach-course/" in lines[0]  # a copy the student owns, also in a clone
        assert found.group(0).startswith(f"http://127.0.0.1:{port}/lab/tree/00_welcome.ipynb?token=")
        token = found.group(2)
        log = tmp_path / "nst-teach-output" / f"tutorial-{port}.log"
        assert str(log.relative_to(tmp_path)) in text
        assert get(found.group(0))[0] == 200
        status, body = get(f"http://127.0.0.1:{port}/api/contents/00_welcome.ipynb?token={token}")
        assert status == 200 and json.loads(body)["type"] == "notebook"  # the address names a real notebook
        with pytest.raises(urllib.error.HTTPError):  # and the token is what lets one in
            get(f"http://127.0.0.1:{port}/api/contents/00_welcome.ipynb")
        kernel = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels?token={token}", method="POST")
        with urllib.request.urlopen(kernel, timeout=60) as response:  # a kernel, for SIGTERM to end too
            assert response.status == 201
        time.sleep(2)
    finally:
        rest = stop_and_check(process, port)
    assert not any(word in text + rest for word in NOISE_WORDS), text + rest
    assert "extension was successfully loaded" in log.read_text()


@pytest.mark.slow
def test_app_prints_its_address_serves_a_page_without_cdn_links_and_sigterm_ends_it(tmp_path):
    port = free_port()
    process, lines, found = start_nst_teach("app", "--no-browser", "--quick", "--ip", "127.0.0.1",
                                            "--port", str(port), cwd=tmp_path)  # fmt: skip
    try:
        text = "".join(lines)
        assert found.group(0) == f"http://127.0.0.1:{port}/?token={found.group(2)}"
        with pytest.raises(urllib.error.HTTPError):  # without the token: Voila's login page, not the app
            urllib.request.build_opener(NoRedirect).open(f"http://127.0.0.1:{port}/", timeout=60)
        # The page streams while the notebook runs: its head comes first, the kernel starts (SIGTERM must end it)
        with urllib.request.urlopen(found.group(0), timeout=120) as response:
            assert response.status == 200
            head = response.read(20_000).decode(errors="replace").split("</head>", 1)[0]
        assert "voila" in head.lower()
        assert not re.search(r"<(link|script)[^>]+(href|src)=\"https?://", head), "the page links outside"
        time.sleep(2)
    finally:
        rest = stop_and_check(process, port)
    assert not any(word in text + rest for word in NOISE_WORDS), text + rest
    assert (tmp_path / "nst-teach-output" / f"app-{port}.log").read_text().strip()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
