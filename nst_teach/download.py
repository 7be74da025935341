"""Safe, cached downloads of pictures from the web.

:func:`fetch` downloads an ``http(s)`` address once into the cache folder
(:func:`cache_dir`) and returns the local path; the next call with the same
address returns the cached file without touching the network.  A download
is refused if it is bigger than ``max_bytes``, is written under a temporary
name and renamed only when complete, and can be checked against a known
SHA-256 checksum.  Nothing downloaded is ever executed or unpickled: the
files are only read as pictures.

Given ``check_address`` (the classroom app's rule, :func:`nst_teach.classroom.check_address`),
:func:`fetch` resolves each host once, lets ``check_address`` judge every address before any
connection, connects to the address it checked (so DNS cannot answer differently in between), and
follows redirects by hand, checking each hop the same way.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import ipaddress
import math
import numbers
import os
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import DownloadError, OptionError

__all__ = ["DownloadError", "MAX_DOWNLOAD_BYTES", "DOWNLOAD_TIMEOUT", "OFFLINE_ENV", "cache_dir", "fetch", "is_offline"]

#: Largest download :func:`fetch` accepts by default, in bytes (50 MB).
MAX_DOWNLOAD_BYTES: int = 50_000_000

#: Seconds :func:`fetch` waits for the server (to connect, and for each read).
DOWNLOAD_TIMEOUT: float = 20.0

#: Redirects :func:`fetch` follows by hand (with ``check_address``) before giving up.
MAX_REDIRECTS: int = 5

_CHUNK_BYTES = 64 * 1024
_USER_AGENT = "nst-teach/0.1 (Python urllib; teaching Neural Style Transfer)"


def cache_dir() -> Path:
    """The folder where nst-teach keeps downloads: ``$NST_TEACH_CACHE`` or ``~/.cache/nst-teach``.

    The folder is created if it does not exist yet.

    Returns:
        The cache folder.

    Raises:
        DownloadError: The folder cannot be created.

    Introduced in ``notebooks/01_images.ipynb``.
    """
    path = Path(os.environ.get("NST_TEACH_CACHE") or "~/.cache/nst-teach").expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(
            f"cannot create the cache folder '{path}' ({exc.strerror or exc}); "
            "set the environment variable NST_TEACH_CACHE to a folder you can write to"
        ) from None
    return path


def fetch(
    url: str,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    timeout: float = DOWNLOAD_TIMEOUT,
    expected_sha256: str | None = None,
    filename: str | None = None,
    check_address: Callable[[str, Any], None] | None = None,
) -> Path:
    """Downloads ``url`` into the cache (once) and returns the local file's path.

    The file is stored as ``cache_dir()/downloads/<key>-<name>``, where
    ``<key>`` is the start of the SHA-256 of the address and ``<name>`` the
    last part of the address (or ``filename``).  If that file exists, it is
    returned at once, without any network access.

    Args:
        url: An ``http://`` or ``https://`` address.
        max_bytes: Refuse files bigger than this many bytes.
        timeout: Seconds to wait for the server before giving up.
        expected_sha256: The file's known SHA-256 checksum (64 hex digits), or
            ``None`` to accept whatever the server sends.
        filename: Name to store the file under, instead of the address's last part.
        check_address: ``check_address(url, address)`` is called with each :mod:`ipaddress` address the
            host of ``url`` and of every redirect resolves to, before connecting, and raises to refuse
            it. Such downloads connect to the checked address, use no proxy, and are cached apart.

    Returns:
        The path of the downloaded (or cached) file.

    Raises:
        OptionError: ``url`` is not an http(s) address, or another argument is invalid.
        DownloadError: The download failed (offline, server error, too big,
            wrong checksum); the message says what to do.

    Introduced in ``notebooks/01_images.ipynb``.
    """
    _check_url(url)
    max_bytes = _check_max_bytes(max_bytes)
    timeout = _check_timeout(timeout)
    expected = _check_sha256(expected_sha256)

    folder = "downloads" if check_address is None else "downloads-checked"  # never a file fetched unchecked
    target = cache_dir() / folder / _cache_name(url, filename)
    if target.is_file():
        if expected is None or _sha256_of(target) == expected:
            return target
        target.unlink()  # an old copy with another checksum: download it again
    if check_address is None:
        _refuse_when_offline(url)  # checked downloads: at each hop, once the address is known
    target.parent.mkdir(parents=True, exist_ok=True)
    _download(url, target, max_bytes=max_bytes, timeout=timeout, expected_sha256=expected, check_address=check_address)
    return target


#: Set to 1 to promise there is no internet (CI, an offline classroom): downloads fail at once
#: instead of waiting for a time-out. Servers on this machine (localhost) are still reached.
OFFLINE_ENV = "NST_TEACH_OFFLINE"


def is_offline() -> bool:
    """Whether ``$NST_TEACH_OFFLINE`` promises there is no internet (1, true, yes or on).

    The one rule every download follows: pictures, the gallery and VGG-19's weights.
    """
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _refuse_when_offline(url: str) -> None:
    if not is_offline():
        return
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in {"localhost", "127.0.0.1", "::1"}:
        return
    raise _offline_refusal(url)


def _offline_refusal(url: str) -> DownloadError:
    return DownloadError(
        f"could not download {url}: {OFFLINE_ENV} is set, so nst-teach does not go online; "
        f"unset {OFFLINE_ENV}, or download the file by hand and pass its path instead"
    )


def _download(
    url: str,
    target: Path,
    *,
    max_bytes: int,
    timeout: float,
    expected_sha256: str | None,
    check_address: Callable[[str, Any], None] | None = None,
) -> None:
    """Streams ``url`` into ``target`` (via a temporary file), enforcing size and checksum."""
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    digest = hashlib.sha256()
    received = 0
    try:
        with _open(url, timeout, check_address) as response:
            length = _content_length(response)
            if length is not None and length > max_bytes:
                raise _too_big(url, f"{length:_} bytes", max_bytes)
            with open(partial, "xb") as file:
                while chunk := response.read(_CHUNK_BYTES):
                    received += len(chunk)
                    if received > max_bytes:
                        raise _too_big(url, f"more than {max_bytes:_} bytes", max_bytes)
                    digest.update(chunk)
                    file.write(chunk)
        if length is not None and received < length:
            raise DownloadError(f"the download of {url} stopped after {received:_} of {length:_} bytes; try again")
        if expected_sha256 is not None and digest.hexdigest() != expected_sha256:
            raise DownloadError(
                f"the file at {url} has SHA-256 {digest.hexdigest()}, not the expected {expected_sha256}: "
                "the file on the server changed (or the download was corrupted), so it was not kept. "
                "Check the source; if the new file is right, pass its checksum as expected_sha256=..., "
                "or expected_sha256=None to skip the check."
            )
        os.replace(partial, target)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"could not download {url}: the server answered {exc.code} {exc.reason}; "
            "check the address in a browser, or download the file by hand and pass its path instead"
        ) from None
    except urllib.error.URLError as exc:
        raise _offline(url, exc.reason) from None
    except (TimeoutError, ConnectionError, http.client.HTTPException, ssl.SSLError) as exc:
        raise _offline(url, exc) from None
    finally:
        partial.unlink(missing_ok=True)  # still there only if something failed


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only (never to ftp: or file:)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        _refuse_a_redirect_off_http(req.full_url, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _refuse_a_redirect_off_http(url: str, new_url: str) -> None:
    if urllib.parse.urlsplit(new_url).scheme.lower() not in ("http", "https"):
        raise DownloadError(
            f"{url} redirects to {new_url}, which is not an http(s) address; "
            "not following it. Download the file by hand and pass its path instead."
        )


def _open(url: str, timeout: float, check_address: Callable[[str, Any], None] | None) -> Any:
    """The server's answer to ``GET url`` (a context manager): through urllib, or by hand, checked, when asked."""
    if check_address is None:
        opener = urllib.request.build_opener(_HttpOnlyRedirects)
        return opener.open(urllib.request.Request(url, headers={"User-Agent": _USER_AGENT}), timeout=timeout)
    return _open_checked(url, timeout, check_address)


@contextlib.contextmanager
def _open_checked(url: str, timeout: float, check_address: Callable[[str, Any], None]) -> Iterator[Any]:
    """``GET url`` hop by hop: resolve the host, check every address, connect to a checked one, follow redirects."""
    for _ in range(MAX_REDIRECTS + 1):
        parts = urllib.parse.urlsplit(url)
        addresses = _resolve(url, parts, check_address)
        if is_offline() and not all(ipaddress.ip_address(address[0]).is_loopback for _, address in addresses):
            raise _offline_refusal(url)
        connection = _PinnedConnection.to(parts, addresses, timeout)
        try:
            path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            connection.request("GET", path, headers={"User-Agent": _USER_AGENT})
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                new_url = urllib.parse.urljoin(url, location.strip())
                _refuse_a_redirect_off_http(url, new_url)
                url = new_url
                continue  # the next hop is resolved and checked like the first
            if response.status != 200:
                raise urllib.error.HTTPError(url, response.status, response.reason, response.headers, None)
            yield response
            return
        finally:
            connection.close()
    raise DownloadError(f"{url} redirects more than {MAX_REDIRECTS} times; not following it further")


def _resolve(url: str, parts: urllib.parse.SplitResult, check_address: Callable[[str, Any], None]) -> list[Any]:
    """``(family, socket address)`` for each address of the host of ``url``, each one passed by ``check_address``."""
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except ValueError:
        raise DownloadError(f"could not download {url}: its port is not a number from 0 to 65535") from None
    except OSError as exc:
        raise DownloadError(
            f"could not download {url}: the name {parts.hostname!r} was not found ({exc.strerror or exc}); "
            "check the address. Are you offline?"
        ) from None
    addresses = [(family, address) for family, _, _, _, address in found if family in (socket.AF_INET, socket.AF_INET6)]
    if not addresses:
        raise DownloadError(f"could not download {url}: {parts.hostname!r} has no IPv4 or IPv6 address")
    for _, address in addresses:
        check_address(url, ipaddress.ip_address(address[0]))  # all of them, before any connection
    return addresses


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to addresses resolved and checked beforehand; the requests still name the host."""

    def __init__(self, host: str, port: int, addresses: list[Any], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    @staticmethod
    def to(parts: urllib.parse.SplitResult, addresses: list[Any], timeout: float) -> http.client.HTTPConnection:
        cls = _PinnedTLSConnection if parts.scheme.lower() == "https" else _PinnedConnection
        return cls(parts.hostname, addresses[0][1][1], addresses, timeout)

    def connect(self) -> None:
        self.sock = self._socket()

    def _socket(self) -> socket.socket:
        failure: OSError | None = None
        for family, address in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                failure = exc
        raise ConnectionError(f"cannot connect to {self.host} ({failure})")


class _PinnedTLSConnection(_PinnedConnection):
    """HTTPS to a checked address: the certificate must still be the host's."""

    default_port = 443

    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._socket(), server_hostname=self.host)


def _content_length(response: Any) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _too_big(url: str, size: str, max_bytes: int) -> DownloadError:
    return DownloadError(
        f"{url} is {size}, more than max_bytes={max_bytes:_}; if you trust the file, "
        "pass a bigger max_bytes=..., or download it by hand and pass its path instead"
    )


def _offline(url: str, reason: Any) -> DownloadError:
    return DownloadError(
        f"could not download {url}: {reason or 'no answer'}; are you offline? "
        "Download it by hand and pass the file path instead."
    )


def _cache_name(url: str, filename: str | None) -> str:
    """``<first 16 hex digits of sha256(url)>-<safe file name>``."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    name = filename or PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[-80:]
    return f"{key}-{name or 'download'}"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _check_url(url: Any) -> None:
    if not isinstance(url, str):
        raise OptionError(f"url must be a string such as 'https://.../picture.jpg', got {type(url).__name__}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise OptionError(
            f"can only download http:// and https:// addresses, got {url!r}; "
            "for a file on this machine, pass its path instead"
        )


def _check_max_bytes(max_bytes: Any) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral) or max_bytes <= 0:
        raise OptionError(f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}")
    return int(max_bytes)


def _check_timeout(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not math.isfinite(timeout) or timeout <= 0:
        raise OptionError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _check_sha256(expected: Any) -> str | None:
    if expected is None:
        return None
    if not isinstance(expected, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", expected.strip()):
        raise OptionError(
            f"expected_sha256 must be 64 hexadecimal digits (as printed by 'sha256sum'), got {expected!r}"
        )
    return expected.strip().lower()
