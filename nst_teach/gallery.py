"""The gallery: the classic inputs of the style-transfer papers, downloaded on demand and checked.

Tübingen, The Starry Night, The Scream and the Golden Gate bridge are not
shipped: :func:`fetch_gallery` downloads each the first time it is asked for,
checks it against the SHA-256 in its record and caches it.
:func:`gallery_or_fallback` never fails: offline, it hands back a bundled
sample (:mod:`nst_teach.samples`) and says so.  Classrooms without internet
can put the files in a folder and point ``NST_TEACH_GALLERY_DIR`` at it.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from . import download
from .errors import DownloadError, ImageNotFoundError, NSTError, OptionError
from .samples import Kind, check_kind, look_up, sample_path, sample_record

__all__ = [
    "GALLERY",
    "GALLERY_DIR_ENV",
    "GalleryItem",
    "gallery_item",
    "fetch_gallery",
    "gallery_names",
    "gallery_or_fallback",
]

#: Environment variable naming a folder that holds gallery files (for offline classrooms).
GALLERY_DIR_ENV = "NST_TEACH_GALLERY_DIR"


# ----------------------------------------------------------------------------------------------
# The gallery: classic images, downloaded on demand
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryItem:
    """A well-known image that nst-teach can download, with its provenance and checksum.

    Attributes:
        name: Short name, e.g. ``"starry_night"``.
        kind: ``"content"`` or ``"style"``.
        title: The work's title.
        author: Painter or photographer.
        date: When it was made (as known).
        url: Where it is downloaded from.
        license: Under which terms it may be used, as far as we know.
        sha256: SHA-256 of the expected file (hex).
        filename: File name in the cache and in ``NST_TEACH_GALLERY_DIR``.
        fallback: The bundled sample to use instead when it cannot be had.
    """

    name: str
    kind: Kind
    title: str
    author: str
    date: str
    url: str
    license: str
    sha256: str
    filename: str
    fallback: str


_NEURAL_STYLE_INPUTS = "https://raw.githubusercontent.com/jcjohnson/neural-style/master/examples/inputs/"

# The sha256 values were computed from local copies of these files that we believe are identical to the
# ones at the URLs (this machine cannot reach the web to confirm it).  If upstream ever changes a file,
# fetch_gallery says so instead of using an unexpected image.
GALLERY: Mapping[str, GalleryItem] = MappingProxyType(
    {
        g.name: g
        for g in (
            GalleryItem(
                name="tubingen",
                kind="content",
                title="Neckarfront in Tübingen",
                author="Andreas Praefcke",
                date="before 2015 (used by Gatys et al., 2015)",
                url=_NEURAL_STYLE_INPUTS + "tubingen.jpg",
                license="CC BY 3.0 (credit: Andreas Praefcke)",
                sha256="e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506",
                filename="tubingen.jpg",
                fallback="cottage",
            ),
            GalleryItem(
                name="golden_gate",
                kind="content",
                title="Golden Gate Bridge",
                author="unknown photographer",
                date="unknown",
                url=_NEURAL_STYLE_INPUTS + "golden_gate.jpg",
                license="not stated in the source repository (jcjohnson/neural-style); use for study only",
                sha256="f8476ac216e0d409af2e52bf82ad2cdc3433e23d7895e6f9b2048fc014ed57ba",
                filename="golden_gate.jpg",
                fallback="cottage",
            ),
            GalleryItem(
                name="starry_night",
                kind="style",
                title="The Starry Night",
                author="Vincent van Gogh",
                date="1889",
                url=_NEURAL_STYLE_INPUTS + "starry_night.jpg",
                license="public domain (the painter died in 1890)",
                sha256="0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098",
                filename="starry_night.jpg",
                fallback="swirls",
            ),
            GalleryItem(
                name="the_scream",
                kind="style",
                title="The Scream",
                author="Edvard Munch",
                date="1893",
                url=_NEURAL_STYLE_INPUTS + "the_scream.jpg",
                license="public domain (the painter died in 1944)",
                sha256="f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee",
                filename="the_scream.jpg",
                fallback="waves",
            ),
        )
    }
)


def gallery_item(name: str) -> GalleryItem:
    """The gallery's record ``name`` (an OptionError naming the closest if there is none)."""
    return look_up(name, GALLERY, "an image of the gallery", "gallery_names")  # type: ignore[return-value]


def gallery_names(kind: Kind | None = None) -> list[str]:
    """Lists the names of the downloadable gallery images.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        kind: ``"content"``, ``"style"``, or ``None`` for all.

    Returns:
        The names.

    >>> gallery_names("style")
    ['starry_night', 'the_scream']
    """
    check_kind(kind)
    return [g.name for g in GALLERY.values() if kind is None or g.kind == kind]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _from_gallery_dir(item: GalleryItem) -> Path | None:
    """The item's file in ``$NST_TEACH_GALLERY_DIR`` after checking its checksum; None if not there."""
    folder = os.environ.get(GALLERY_DIR_ENV)
    if not folder:
        return None
    directory = Path(folder).expanduser()
    if not directory.is_dir():
        raise ImageNotFoundError(
            f"{GALLERY_DIR_ENV}={folder!r} is not a folder: set it to the folder that "
            f"holds the gallery files (e.g. {item.filename}), or unset it to download them."
        )
    path = directory / item.filename
    if not path.is_file():
        return None
    actual = _sha256(path)
    if actual != item.sha256:
        raise DownloadError(
            f"{path} (found through {GALLERY_DIR_ENV}) is not the expected {item.title!r}: its SHA-256 is "
            f"{actual}, expected {item.sha256}. Replace it with the file from {item.url}, or remove it "
            f"from that folder so nst-teach downloads it."
        )
    return path


def fetch_gallery(name: str, *, timeout: float | None = None, max_bytes: int | None = None) -> Path:
    """Gets a gallery image: from ``$NST_TEACH_GALLERY_DIR``, the cache, or the web; checked by SHA-256.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`gallery_names`, e.g. ``"starry_night"``.
        timeout: Seconds to wait for the server (``None``: :data:`nst_teach.download.DOWNLOAD_TIMEOUT`).
        max_bytes: Refuse files larger than this (``None``: :data:`nst_teach.download.MAX_DOWNLOAD_BYTES`).

    Returns:
        The path of the verified file.

    Raises:
        OptionError: Unknown name.
        ImageNotFoundError: ``NST_TEACH_GALLERY_DIR`` is set but is not a folder.
        DownloadError: The download failed, or a file's checksum is not the expected one.
    """
    item = gallery_item(name)
    local = _from_gallery_dir(item)
    if local is not None:
        return local
    return download.fetch(
        item.url,
        max_bytes=download.MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes,
        timeout=download.DOWNLOAD_TIMEOUT if timeout is None else timeout,
        expected_sha256=item.sha256,
        filename=item.filename,
    )


def gallery_or_fallback(name: str, fallback: str | None = None, **fetch_options: float | None) -> tuple[Path, str]:
    """Gets a gallery image, or a bundled sample when it cannot be had; says which in a message.

    Use this in notebooks and benchmarks that must run offline: they get a
    picture either way, and the message (print it) tells the reader what
    happened.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`gallery_names`, e.g. ``"starry_night"``.
        fallback: The bundled sample to use instead; ``None`` picks the item's own
            (``"swirls"`` for The Starry Night, ``"cottage"`` for Tübingen...).
        **fetch_options: ``timeout`` and ``max_bytes``, passed to :func:`fetch_gallery`.

    Returns:
        ``(path, message)``: the image file to use, and a sentence saying which one it is and why.

    Raises:
        OptionError: ``name`` or ``fallback`` is unknown (mistakes are reported, not hidden).
    """
    item = gallery_item(name)
    substitute = sample_record(item.fallback if fallback is None else fallback)
    try:
        path = fetch_gallery(name, **fetch_options)
    except OptionError:
        raise  # a mistake in the arguments: report it, do not hide it
    except (NSTError, OSError) as error:
        message = (
            f"Could not get the gallery image {name!r} ({item.title}, {item.author}): {error} "
            f"Using the bundled sample {substitute.name!r} ({substitute.title}) instead. To use the "
            f"original, connect to the internet and run this again, or put {item.filename} in a folder "
            f"and set {GALLERY_DIR_ENV} to it."
        )
        return sample_path(substitute.name), message
    return path, f"Using {item.title!r} by {item.author} ({item.date}; {item.license}) from {path}."
