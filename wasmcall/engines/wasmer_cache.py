"""wasmer's compile cache: compiled modules kept on disk, keyed by the module's bytes and the engine build.

wasmer-python has no cache of its own, and cranelift takes ~0.7 s for a 1 MB
module, every time, in every wasmer child. ``Module.serialize`` gives the
compiled artifact; ``Module.deserialize`` takes it back in a few
milliseconds. Deserializing trusts its input completely (a truncated artifact
made wasmer segfault), so:

- the directory is private: created 0700, and used only if it belongs to
  this user and nobody else may write to it;
- every file carries a SHA-256 digest of its artifact, checked before wasmer
  sees a byte; a file that fails the check is removed and the module compiled
  again;
- files are written under a temporary name and renamed into place, so
  concurrent runs never see half a file, and the last writer wins with an
  artifact as good as the others';
- the key covers the module's bytes, wasmer's version and the compiler
  extension's build (size and mtime of its shared library), so an upgrade
  never loads an artifact from another build.

The cache is an optimisation only: any failure to read or write it falls back
to compiling, silently. ``WASMCALL_NO_CACHE=1`` turns it off (as it does
wasmtime's), and ``WASMCALL_CACHE_DIR`` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path
from typing import Any, Optional, Union

MAGIC = b"wasmcall-wasmer-1\n"
DIGEST_SIZE = 32


def compile_module(store: Any, source: Union[bytes, str]) -> Any:
    """A ``wasmer.Module`` for ``source``: from the cache if a sound artifact is there, else compiled and kept."""
    import wasmer  # imported by wasmer_engine first, which turns its absence into EngineUnavailableError

    directory = cache_directory()
    if directory is None:
        return wasmer.Module(store, source)
    path = directory / f"{cache_key(source)}.bin"
    module = load_artifact(store, path)
    if module is None:
        module = wasmer.Module(store, source)
        save_artifact(path, module.serialize())
    return module


def cache_enabled() -> bool:
    return os.environ.get("WASMCALL_NO_CACHE", "") in ("", "0")


def cache_directory() -> Optional[Path]:
    """The private cache directory, made if missing; None if caching is off or the directory is not safe."""
    if not cache_enabled():
        return None
    configured = os.environ.get("WASMCALL_CACHE_DIR")
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    directory = base if configured else base / "wasmcall" / "wasmer"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = directory.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077
    return directory if private else None


def engine_build() -> bytes:
    """What a compiled artifact depends on besides the module: wasmer's version and the compiler's build."""
    import wasmer
    import wasmer_compiler_cranelift

    library = Path(wasmer_compiler_cranelift.__file__)
    try:
        built = library.stat()
        fingerprint = f"{built.st_size}:{built.st_mtime_ns}"
    except OSError:
        fingerprint = "unknown"
    return f"wasmer {wasmer.__version__}; cranelift {library.name} {fingerprint}".encode()


def cache_key(source: Union[bytes, str]) -> str:
    data = source.encode("utf-8") if isinstance(source, str) else source
    digest = hashlib.sha256(engine_build())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def load_artifact(store: Any, path: Path) -> Any:
    """The module stored at ``path``, or None if there is none or it fails its digest (then it is removed)."""
    import wasmer

    try:
        content = path.read_bytes()
    except OSError:
        return None
    artifact = sound_artifact(content)
    if artifact is None:
        remove(path)
        return None
    try:
        return wasmer.Module.deserialize(store, artifact)
    except Exception:  # an artifact wasmer itself refuses: compile instead
        remove(path)
        return None


def sound_artifact(content: bytes) -> Optional[bytes]:
    """The artifact inside a cache file, if the file is whole: magic, digest, then exactly the digested bytes."""
    head = len(MAGIC) + DIGEST_SIZE
    if len(content) <= head or not content.startswith(MAGIC):
        return None
    artifact = content[head:]
    if hashlib.sha256(artifact).digest() != content[len(MAGIC):head]:
        return None
    return artifact


def save_artifact(path: Path, artifact: bytes) -> None:
    """Write under a temporary name in the same directory, then rename: readers see all of it or nothing."""
    import tempfile  # only a cache miss writes; a hit (every call after the first) never loads it

    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(MAGIC + hashlib.sha256(artifact).digest() + artifact)
        os.replace(temporary, path)
    except OSError:
        remove(Path(temporary))


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
