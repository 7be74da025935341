"""The classroom rules: what a student's browser may make the instructor's machine do.

In the classroom app (``nst-teach app``, ``notebooks/app.ipynb``) the page's boxes act on the machine
that serves it, not on the student's device.  Classroom mode keeps each of them to what a student needs:

* **Save** writes only into one output folder, named at start-up, under a name the server makes from
  what was typed (:func:`safe_stem`: letters, digits, ``-`` and ``_``), and never replaces a file: a
  taken name gets a counter (:func:`unused_path`).  The page says where the picture went.
* **URL** takes only ``http``/``https`` addresses whose host resolves to a public address: never this
  machine (loopback), the room's network (private), link-local (cloud metadata), multicast, reserved or
  unspecified ones, for IPv4 and IPv6 (:func:`check_address`).  Every redirect is checked the same way,
  and the download connects to the address that was checked (:func:`nst_teach.download.fetch`).
* **Upload** takes at most :data:`MAX_UPLOAD_BYTES`, checked before anything is decoded.
* **Disk**: the output folder and the URL box's downloads each have a size cap (``nst-teach app
  --max-output-mb``, ``--max-downloads-mb``, passed to the kernels as :data:`OUTPUT_CAP_ENV` and
  :data:`DOWNLOADS_CAP_ENV`).  Past the first, Save says so and writes nothing; past the second, the
  oldest downloads make room, and the URL box refuses when none can.
* **Errors** show one line on the page; their tracebacks go to the server's log (:func:`hide_tracebacks`).

``nst-teach app`` turns it on for its kernels (:data:`CLASSROOM_ENV`) and the app notebook calls
:func:`enable`; a widget given ``classroom=True`` follows the rules too.  Outside classroom mode (a
student's own notebook) the widgets are as free as Python itself.  ``SECURITY.md`` lists what a student
on the room's network can and cannot do.

Introduced in ``notebooks/app.ipynb``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import re
import sys
import time
import traceback
import unicodedata
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import download, samples
from .defaults import OUTPUT_DIR
from .errors import DownloadError, NSTError, OptionError, SaveError

__all__ = [
    "Classroom",
    "CLASSROOM_ENV",
    "OUTPUT_CAP_ENV",
    "DOWNLOADS_CAP_ENV",
    "MAX_UPLOAD_BYTES",
    "MAX_STEM",
    "enable",
    "disable",
    "current",
    "hide_tracebacks",
    "error_line",
    "folder_bytes",
    "room_for",
    "safe_stem",
    "file_name",
    "unused_path",
    "not_public",
    "check_address",
    "is_loopback_ip",
    "notice",
]

#: Set by ``nst-teach app`` for its kernels: classroom mode, saving into this folder.
CLASSROOM_ENV = "NST_TEACH_CLASSROOM"

#: Set by ``nst-teach app`` for its kernels: the output folder's size cap, in MB (``--max-output-mb``).
OUTPUT_CAP_ENV = "NST_TEACH_CLASSROOM_OUTPUT_MB"

#: Set by ``nst-teach app`` for its kernels: the URL box's downloads' size cap, in MB (``--max-downloads-mb``).
DOWNLOADS_CAP_ENV = "NST_TEACH_CLASSROOM_DOWNLOADS_MB"

#: A download younger than this is never removed to make room: another page may be reading it.
DOWNLOAD_KEEP_S = 600.0

#: The largest upload the classroom app accepts, in bytes (a phone's photo fits; Jupyter's websocket
#: takes messages up to 10 MiB, so a bigger file would cut the page off its kernel instead).
MAX_UPLOAD_BYTES: int = 8_000_000

#: The longest stem a saved file's name gets (before a counter and the extension).
MAX_STEM: int = 64

_FORMATS = (".jpg", ".jpeg", ".png")
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class Classroom:
    """Classroom mode: where Save writes, and how big an upload may be.

    Attributes:
        output_dir: the one folder Save writes into (absolute).
        max_upload_bytes: the largest upload accepted.
        max_output_bytes: the output folder's size cap (None: none): Save refuses what would pass it.
        max_downloads_bytes: the URL box's downloads' size cap (None: none).
    """

    output_dir: Path
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_output_bytes: int | None = None
    max_downloads_bytes: int | None = None

    # -- Save --------------------------------------------------------------------------------------

    def save(self, image: Any, typed: str | os.PathLike[str] | None) -> tuple[Path, str]:
        """Saves ``image`` into the output folder under a name made from ``typed``; never replaces a file.

        Args:
            image: what :func:`nst_teach.images.save_image` takes (the dashboard's current image).
            typed: what the Save box holds (any text: only a stem and a ``.jpg``/``.png`` are kept from it).

        Returns:
            The path written, and a sentence for the status line saying where it went (and why the name
            is not the one typed, if it is not).

        >>> room = Classroom(Path("/srv/class"))        # doctest: +SKIP
        >>> room.save(image, "../../x.jpg")[0]         # doctest: +SKIP
        PosixPath('/srv/class/x.jpg')
        """
        from .images import save_image  # images.py loads OpenCV: on first use, not when the app starts

        name = file_name(typed)
        folder = self.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):  # the room's kernels save one at a time: the cap holds for all of them
            self._check_room_for(image)
            path = _reserve(folder, name)
            try:
                save_image(image, path)  # replaces the empty file reserved for it, and nothing else
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        stem = _split(os.fspath(typed or "").strip())[0]
        why = []
        if stem and safe_stem(stem) != stem:
            why.append(f"{os.fspath(typed)!r} is not a plain file name: the app kept its letters and digits")
        if path.name != name:
            why.append(f"{name} was taken, and the app never replaces a file")
        because = f" ({'; '.join(why)})" if why else ""
        return path, f"as {path.name} in the class's output folder {folder}{os.sep}{because}"

    def _check_room_for(self, image: Any) -> None:
        """Refuses a picture that could take the output folder past its cap (before anything is written).

        A picture's file is at most its pixels' bytes (8-bit RGB) and a little more: that is what is counted.
        """
        if self.max_output_bytes is None:
            return
        used = folder_bytes(self.output_dir)
        pixels = int(getattr(image, "size", 0) or 0) or 3 * 4096 * 4096  # unknown: the largest picture
        if used + int(pixels * 1.1) + 65_536 > self.max_output_bytes:
            raise SaveError(
                f"nothing was saved: the class's output folder is full ({_in_mb(used)} of its "
                f"{_in_mb(self.max_output_bytes)}). Ask your instructor to make room"
            )

    @property
    def save_placeholder(self) -> str:
        """What the empty Save box shows."""
        return f"a name → {self.output_dir.name}{os.sep}NAME.jpg"

    # -- URL ---------------------------------------------------------------------------------------

    def read_url(self, url: str) -> Any:
        """The picture at ``url``, if it is an http(s) address of a public host (checked on every redirect).

        Returns:
            The picture, uint8 RGB ``(H, W, 3)``.

        Raises:
            OptionError: ``url`` is not an http(s) address (a file path, ``file://``...).
            DownloadError: the host is not public, or the download failed (size, time, server).
            ImageError: what came back is not a picture.
        """
        from .images import read_image  # images.py loads OpenCV: on first use, not when the app starts

        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise OptionError(
                "the classroom app reads only http:// and https:// addresses of pictures on the internet, "
                f"not {url!r}; to use a picture from your own device, Upload it, or type a bundled sample's name "
                f"({', '.join(samples.sample_names())})"
            )
        if parts.username is not None or parts.password is not None:
            raise OptionError(f"the classroom app reads no address with a user name in it ({url!r})")
        self._make_room_for_a_download()
        path = download.fetch(url, check_address=check_address)  # its size and time limits
        try:
            return read_image(path)
        except NSTError as exc:
            path.unlink(missing_ok=True)  # not a picture we can use: not kept either
            raise type(exc)(str(exc).replace(f"'{path}'", url).replace(str(path), url)) from None

    def _make_room_for_a_download(self) -> None:
        """Keeps the downloads under their cap: the oldest go (not the last minutes'), or the URL box refuses.

        Room is made for the largest download (:data:`nst_teach.download.MAX_DOWNLOAD_BYTES`) before it starts.
        """
        if self.max_downloads_bytes is None:
            return
        folder = download.cache_dir() / "downloads-checked"  # where download.fetch keeps the URL box's files
        wanted = self.max_downloads_bytes - download.MAX_DOWNLOAD_BYTES
        files = sorted(_files(folder), key=lambda entry: entry[1])  # (path, mtime, bytes), oldest first
        used = sum(size for _, _, size in files)
        now = time.time()
        for path, mtime, size in files:
            if used <= wanted or now - mtime < DOWNLOAD_KEEP_S:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                used -= size
        if used > wanted:
            raise DownloadError(
                f"the class's downloaded pictures are full ({_in_mb(used)} of their "
                f"{_in_mb(self.max_downloads_bytes)}): Upload the picture instead, choose a sample, or ask your "
                "instructor to make room"
            )

    # -- Upload ------------------------------------------------------------------------------------

    def check_upload(self, size: int, name: str) -> None:
        """Refuses an upload of more than :attr:`max_upload_bytes` bytes, before anything reads it."""
        if size > self.max_upload_bytes:
            raise OptionError(
                f"{name!r} is {_in_mb(size)}; the classroom app takes pictures up to "
                f"{_in_mb(self.max_upload_bytes)}: make it smaller (or take a screenshot of it) and upload again"
            )

    @property
    def upload_note(self) -> str:
        """The upload limit, as the page states it."""
        return f"pictures up to {_in_mb(self.max_upload_bytes)}"


def _in_mb(size: int) -> str:
    """Bytes as a student reads them: ``8_000_000`` -> ``'8 MB'``."""
    return f"{size / 1e6:.3g} MB"


# -- turning it on -----------------------------------------------------------------------------------

_ENABLED: Classroom | None = None


def enable(output_dir: str | os.PathLike[str] | None = None) -> Classroom:
    """Turns classroom mode on for the widgets this kernel creates from now on (the app notebook calls it).

    Args:
        output_dir: the folder Save writes into; default ``$NST_TEACH_CLASSROOM`` (``nst-teach app``'s
            ``--output-dir``), else ``./nst-teach-output``.

    Returns:
        The classroom settings.
    """
    global _ENABLED
    folder = output_dir if output_dir is not None else os.environ.get(CLASSROOM_ENV) or OUTPUT_DIR
    _ENABLED = _from_environment(folder)
    hide_tracebacks()
    return _ENABLED


def disable() -> None:
    """Turns off what :func:`enable` turned on (``$NST_TEACH_CLASSROOM`` still counts)."""
    global _ENABLED
    _ENABLED = None


def current() -> Classroom | None:
    """Classroom mode as this kernel has it: :func:`enable`'s, else ``$NST_TEACH_CLASSROOM``'s, else None."""
    if _ENABLED is not None:
        return _ENABLED
    folder = os.environ.get(CLASSROOM_ENV)
    return _from_environment(folder) if folder else None


def _from_environment(folder: str | os.PathLike[str]) -> Classroom:
    """Classroom mode saving into ``folder``, with the disk caps ``nst-teach app`` set for its kernels."""
    caps = []
    for variable in (OUTPUT_CAP_ENV, DOWNLOADS_CAP_ENV):
        text = os.environ.get(variable, "").strip()
        try:
            caps.append(int(float(text) * 1e6) if text else None)
        except ValueError:
            raise OptionError(f"{variable}={text!r} is not a number of MB; set it to e.g. 500, or unset it") from None
    return Classroom(Path(folder).expanduser().resolve(), max_output_bytes=caps[0], max_downloads_bytes=caps[1])


# -- errors: one line on the page, the traceback in the log --------------------------------------------


def hide_tracebacks(shell: Any = None) -> bool:
    """In this kernel, an error shows one line on the page, and its traceback goes to the server's log only.

    A traceback names the installation's files and folders; a student needs the one line that says what
    went wrong. Every error IPython shows (a cell's, a widget callback's) is sent to the page as that one
    line (an nst-teach error's own message, else its kind), and written whole to the kernel's own stderr,
    which the server writes into its log (``nst-teach-output/app-PORT.log``). An asyncio task's error goes
    to the log only. :func:`enable` calls it.

    Args:
        shell: the IPython shell (default: the running one).

    Returns:
        Whether a kernel was found to change (False in plain Python).
    """
    if shell is None:
        try:
            from IPython import get_ipython  # IPython: only where a kernel runs
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "_showtraceback"):
        return False
    if not getattr(shell, "_nst_teach_one_line", False):
        show = shell._showtraceback

        def one_line(etype: type, evalue: BaseException, stb: list[str]) -> None:
            _to_the_log("\n".join(stb))
            line = _one_line(evalue)
            show(etype, line, [line])  # what the page gets: ename, this line, and this line as the "traceback"

        shell._showtraceback = one_line
        shell._nst_teach_one_line = True
    with contextlib.suppress(RuntimeError):  # no running loop (plain Python): nothing to change
        asyncio.get_running_loop().set_exception_handler(_loop_error_to_the_log)
    return True


def error_line(error: BaseException) -> str:
    """The line a widget's status shows for an error its button caught: in classroom mode, :func:`hide_tracebacks`'s.

    Outside classroom mode it is the error's kind and message. In classroom mode a message may name the
    installation's files, so the page gets one line (an nst-teach error's own message, else its kind) and
    the traceback goes to the server's log.
    """
    if current() is None:
        return str(error) if isinstance(error, NSTError) else f"{type(error).__name__}: {error}"
    _to_the_log("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    return _one_line(error)


def _one_line(error: BaseException) -> str:
    """The line the page shows for ``error``: an nst-teach error's message (first line), else its kind."""
    if isinstance(error, NSTError):
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"Something went wrong ({type(error).__name__}). Try again; if it happens again, ask your instructor "
        "(the app's log says what went wrong)."
    )


def _to_the_log(text: str) -> None:
    """Writes ``text`` to the kernel's own stderr, which the server logs, not to the page.

    In an ipykernel, ``sys.stderr`` goes to the page and ``sys.stderr.fileno()`` is a copy of the
    process's original stderr (the server's log); elsewhere it is the process's stderr itself.
    """
    data = (text.rstrip("\n") + "\n").encode("utf-8", errors="replace")
    ansi = re.compile(rb"\x1b\[[0-9;]*m")
    for stream in (sys.stderr, sys.__stderr__):
        try:
            os.write(stream.fileno(), ansi.sub(b"", data))
            return
        except (AttributeError, OSError, ValueError):
            continue


def _loop_error_to_the_log(loop: Any, context: dict[str, Any]) -> None:
    error = context.get("exception")
    lines = [str(context.get("message", "an asyncio task failed"))]
    if error is not None:
        lines += traceback.format_exception(type(error), error, error.__traceback__)
    _to_the_log("nst-teach (classroom): " + "".join(lines))


def room_for(classroom: bool | Classroom | None) -> Classroom | None:
    """A widget's ``classroom=`` argument: None follows :func:`current`; True forces it; False turns it off."""
    if classroom is None:
        return current()
    if isinstance(classroom, Classroom):
        return classroom
    if classroom is True:
        return current() or Classroom(Path(OUTPUT_DIR).resolve())
    if classroom is False:
        return None
    raise OptionError(
        f"classroom must be True, False, None (follow nst_teach.classroom.enable) or a Classroom, got {classroom!r}"
    )


# -- file names --------------------------------------------------------------------------------------


def _split(text: str) -> tuple[str, str]:
    """``text`` without its picture extension, and the extension (``.jpg`` when none was typed)."""
    last = re.split(r"[/\\]", text)[-1]
    suffix = os.path.splitext(last)[1].lower()
    return (text[: -len(suffix)], suffix) if suffix in _FORMATS else (text, ".jpg")


def safe_stem(text: str) -> str:
    """The part of a file name the server keeps from ``text``: letters, digits, ``-`` and ``_``.

    Folders (``/``, ``\\``), ``.`` and ``..`` are dropped, every other character becomes ``-``, a name
    never starts with a dot (no hidden files) and has at most :data:`MAX_STEM` characters. May be empty.

    >>> safe_stem("../../x")
    'x'
    >>> safe_stem("Monet, water lilies")
    'Monet-water-lilies'
    >>> safe_stem(".bashrc")
    'bashrc'
    """
    text = unicodedata.normalize("NFKC", text)
    parts = [part for part in re.split(r"[/\\]+", text) if part.strip() not in ("", ".", "..")]
    stem = re.sub(r"[^\w-]+", "-", "-".join(parts), flags=re.UNICODE)
    stem = re.sub(r"[-_]{2,}", lambda m: m.group(0)[0], stem).strip("-_")
    stem = stem[:MAX_STEM].rstrip("-_")
    return f"{stem}-picture" if stem.upper() in _WINDOWS_DEVICES else stem


def file_name(typed: str | os.PathLike[str] | None) -> str:
    """The file name Save uses for ``typed``: :func:`safe_stem` plus ``.jpg``/``.jpeg``/``.png`` (default ``.jpg``).

    An empty stem becomes ``nst-teach-<date>-<time>``.

    >>> file_name("../../x.jpg"), file_name("portrait.PNG"), file_name("notes.txt")
    ('x.jpg', 'portrait.png', 'notes-txt.jpg')
    """
    stem, suffix = _split(os.fspath(typed or "").strip())
    return f"{safe_stem(stem) or f'nst-teach-{datetime.datetime.now():%Y%m%d-%H%M%S}'}{suffix}"


def unused_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-1.suffix``, ``-2``... : the first that does not exist yet.

    >>> unused_path(Path("/nowhere"), "x.jpg")
    PosixPath('/nowhere/x.jpg')
    """
    path, stem, suffix = folder / name, Path(name).stem, Path(name).suffix
    counter = 0
    while path.exists() or path.is_symlink():
        counter += 1
        path = folder / f"{stem}-{counter}{suffix}"
    return path


def _files(folder: Path) -> Iterator[tuple[Path, float, int]]:
    """``(path, mtime, bytes)`` of the files directly in ``folder`` (links counted, never followed)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                stat = entry.stat(follow_symlinks=False)
                if not entry.is_dir(follow_symlinks=False):
                    yield Path(entry.path), stat.st_mtime, stat.st_size


def folder_bytes(folder: Path) -> int:
    """The bytes the files directly in ``folder`` take (0 when it does not exist).

    >>> folder_bytes(Path("/nowhere"))
    0
    """
    return sum(size for _, _, size in _files(Path(folder)))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Holds a lock on ``folder`` itself (``flock``) for the block: the room's kernels save one at a time.

    Where there is no ``fcntl`` (Windows), the block runs unlocked.
    """
    try:
        import fcntl  # POSIX only
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _reserve(folder: Path, name: str) -> Path:
    """Creates an empty ``folder/name`` (or the first free counter), atomically: two saves never share a file."""
    while True:
        path = unused_path(folder, name)
        try:
            with open(path, "xb"):  # O_CREAT | O_EXCL: fails on anything there, a link included
                return path
        except FileExistsError:
            continue  # someone took it between the look and the create: the next counter


# -- addresses ---------------------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The kinds of address that are not public, in the words the refusal uses (checked in this order).
_NOT_PUBLIC = (
    ("is_unspecified", "the unspecified address"),
    ("is_loopback", "a loopback address: this machine's own services"),
    ("is_link_local", "a link-local address (this cable's devices, a cloud's metadata service)"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address: a local network such as the room's"),
)

#: Extra networks the rule lets through: empty, except in a test that serves pictures on loopback.
_ALSO_ALLOWED: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address (in words), or None if it is one.

    IPv4 inside IPv6 (``::ffff:10.0.0.1``, 6to4's ``2002:…``) is judged by the IPv4 address it carries.

    >>> not_public(ipaddress.ip_address("169.254.169.254"))
    "a link-local address (this cable's devices, a cloud's metadata service)"
    >>> not_public(ipaddress.ip_address("::ffff:127.0.0.1"))
    "a loopback address: this machine's own services"
    >>> not_public(ipaddress.ip_address("93.184.216.34")) is None
    True
    """
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return not_public(inner)
    for test, words in _NOT_PUBLIC:
        if getattr(address, test):
            return words
    return None if address.is_global else "not a public address (a range set aside for special uses)"


def check_address(url: str, address: IPAddress) -> None:
    """Refuses ``address`` (what the host of ``url`` resolved to) unless it is public: the URL box's rule.

    :func:`nst_teach.download.fetch` calls it for every address of every hop, before connecting.

    Raises:
        DownloadError: the address is not public; the message names the host, the address and why.
    """
    if any(address in network for network in _ALSO_ALLOWED):
        return
    why = not_public(address)
    if why is not None:
        host = urllib.parse.urlsplit(url).hostname
        named = host if host == str(address) else f"{host} ({address})"
        raise DownloadError(
            f"refused {url}: {named} is {why}. The classroom app fetches pictures only from public "
            "addresses on the internet; to use a picture from your own device, Upload it"
        )


def is_loopback_ip(ip: str) -> bool:
    """Whether a server listening on ``ip`` is reachable from this machine only (``localhost``, 127.x, ``::1``)."""
    if ip.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: its addresses may be anyone's


def notice(ip: str, room: Classroom) -> tuple[str, ...]:
    """What ``nst-teach app`` prints when it listens beyond this machine: what students can and cannot do."""
    if is_loopback_ip(ip):
        return ()
    return (
        f"nst-teach: the app listens on {ip}: every device on this network that has the address and its token "
        "can use it (--token chooses the token).",
        f"nst-teach: students CAN choose a sample, upload a picture ({room.upload_note}), load one from a "
        f"public http(s) address, paint in a kernel of their own, and save into {room.output_dir}{os.sep} "
        "(names made by the app; no file is ever replaced).",
        "nst-teach: students CANNOT run code, read or write any other file on this machine, or make it fetch "
        "from itself or the room's network (loopback, private and link-local addresses are refused). "
        "See SECURITY.md.",
    )
