"""Cross builds: a Linux platform other than this machine's, built here with zig as the C
compiler and linker (``maturin build --target T --zig``, ``cargo zigbuild --target T``), as
maturin's and napi-rs's own CI do. What such a build needs is checked before it starts: the
Rust target's standard library (``rustup target add T``) and zig (the ``ziglang`` package).
The library it made is read back (:mod:`~release_tasks.registries.elf`): a CPU or C library
other than the platform's is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import ToolMissing
from release_tasks.model import platforms
from release_tasks.registries.elf import ElfError, read_library
from release_tasks.registries.interface import PublishContext

__all__ = ["ZIG_HINT", "library_problem", "linux_targets", "require_rust_target", "triple_for", "triple_of",
           "zig_available"]

ZIG_HINT = "pip install ziglang (or put zig on PATH)"


def linux_targets(names: Iterable[str], host: str) -> frozenset[str]:
    """The Linux platforms of ``names`` other than ``host``, on a Linux ``host``: what zig
    cross-builds there (glibc and musl, x86_64 and aarch64)."""
    if not host.startswith("linux-"):
        return frozenset()
    return frozenset(n for n in names if n.startswith("linux-") and n != host)


def triple_of(ctx: PublishContext) -> str | None:
    """The Rust target of ``ctx``'s build when it is a cross build (``ctx.platform`` is a
    native platform other than this machine's); ``None`` for this machine's own build."""
    return triple_for(ctx.platform)


def triple_for(platform: str | None) -> str | None:
    """The Rust target of a build for ``platform`` here when it is a cross build."""
    if platform is None or platform in (platforms.SOURCE, platforms.MAIN):
        return None
    try:
        here = platforms.host().name
    except platforms.UnknownPlatform:
        here = None
    return None if platform == here else platforms.RUST_TRIPLES[platform]


def require_rust_target(ctx: PublishContext, triple: str) -> None:
    """ToolMissing, with the command that fixes it, when the Rust toolchain cargo will use
    (``$RUSTC``, else ``rustc``, in the repository: its ``rust-toolchain.toml`` counts) has
    no standard library for ``triple``."""
    rustc = ctx.env.get("RUSTC") or "rustc"
    cmd.which(rustc, "Install Rust with rustup: https://rustup.rs", ctx.env)
    found = cmd.run([rustc, "--print", "target-libdir", "--target", triple], cwd=ctx.root,
                    env=ctx.build_env(), capture=True, check=False, echo=False)
    libdir = Path(found.stdout.strip())
    if found.returncode != 0 or not found.stdout.strip() or \
            not any(libdir.glob("libcore-*.rlib")):
        raise ToolMissing(f"{ctx.binding.name}: nothing was built: {ctx.platform} is "
                          f"cross-built for the Rust target {triple}, which this toolchain "
                          f"does not have: rustup target add {triple}")


def zig_available(env: Mapping[str, str]) -> bool:
    """What maturin and cargo-zigbuild find: ``zig`` on PATH, or the ``ziglang`` package of
    the active virtual environment's Python (else ``python3``)."""
    try:
        cmd.which("zig", ZIG_HINT, env)
        return True
    except ToolMissing:
        pass
    venv = env.get("VIRTUAL_ENV")
    python = str(Path(venv) / "bin" / "python") if venv else "python3"
    try:
        return cmd.run([python, "-m", "ziglang", "version"], capture=True, check=False,
                       echo=False, env=env).returncode == 0
    except ToolMissing:
        return False


def library_problem(data: bytes, name: str, platform: str) -> str | None:
    """Why the shared library ``data`` (the file ``name``) is not one of the Linux
    ``platform``'s CPU and C library; ``None`` when it is (or ``platform`` is not Linux)."""
    wanted = platforms.get(platform)
    if wanted.system != "linux":
        return None
    try:
        library = read_library(data)
    except ElfError as exc:
        return f"{name} cannot be read as a Linux library: {exc}"
    if library.arch != wanted.arch or (library.libc is not None and library.libc != wanted.libc):
        return (f"{name} is built for {library} (it needs "
                f"{', '.join(library.needed) or 'no library'}), not for {platform} "
                f"({wanted.arch} {wanted.libc})")
    return None
