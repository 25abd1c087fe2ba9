"""Secret files outside the database (the checkpoint signing keys, the key-encryption key of personal data):
created once, readable by their owner only, never overwritten."""

import os
from pathlib import Path


def create_secret_file(path: Path, content: bytes) -> None:
    """Write `content` to a new file at `path` (mode 0600, folder 0700), unless a file is there already.

    Written aside and hard-linked into place: a hard link, unlike os.replace, refuses to overwrite, so if
    another process created the file meanwhile, its key stands and this one is dropped; nobody ever reads
    a half-written key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Make the folder's entries (a new or renamed file) durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
