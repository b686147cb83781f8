"""How ``init`` guesses each binding's versioning scheme, and why.

From what the tree and the tags say of the binding's earlier versions:

* a two-tier version in its file or its tags (``0.1.8.2``, npm's ``0.1.8002`` on core
  ``0.1.8``): ``two-tier``;
* its own three-part version, on another ``X.Y`` than the core (``0.49.7`` with core
  ``0.58.2``): ``independent`` (one near the core's, ``0.1.10`` with ``0.1.8``, is taken for
  an earlier scheme's: ``two-tier``);
* the core's version, with releases that show it (its tags, or release tags ``vX.Y.Z``, at
  the core's versions): ``lockstep``;
* nothing to go by (a first release): ``two-tier``, the default.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_tasks.apply import formats
from release_tasks.errors import ReleaseError
from release_tasks.init.model import FoundBinding, Sources
from release_tasks.model.version import BindingVersion, CoreVersion, Scheme
from release_tasks.registries import ordering


def guess(src: Sources, binding: FoundBinding, core: str) -> tuple[Scheme, str]:
    """The scheme of ``binding`` (named already) on core ``core``, and why."""
    text = _file_version(src, binding)
    tagged = [t[len(binding.name) + 2:] for t in src.tags if t.startswith(f"{binding.name}-v")]
    four = [t for t in tagged if _two_tier(t)]
    if four:
        return "two-tier", f"its tags are two-tier X.Y.Z.P ({binding.name}-v{four[-1]})"
    if text is None:
        return "two-tier", "no version to go by: the default"
    try:
        rendered = ordering.read_rendering(text, binding.registry, "version")
    except ReleaseError:
        rendered = None
    if rendered is not None and text != str(rendered.core) and str(rendered.core) == core:
        return "two-tier", f"its version {text} is the two-tier {rendered} on core {core}"
    try:
        plain = ordering.read_rendering(text, binding.registry, "version", "independent")
    except ReleaseError:
        return "two-tier", f"its version {text} is no X.Y.Z: the default"
    if binding.version_files[0].format == "cargo":
        # maturin's dynamic version: the crate's, three parts; two-tier cannot be written there.
        if str(plain.core) == core:
            return "lockstep", (f"maturin takes its crate's version {text}, the core's: only a "
                                "three-part scheme fits a Cargo.toml")
        return "independent", (f"maturin takes its crate's version {text}, its own: only a "
                               "three-part scheme fits a Cargo.toml")
    ours = CoreVersion.parse(core) if CoreVersion.parses(core) else None
    if ours is not None and (plain.core.major, plain.core.minor) != (ours.major, ours.minor):
        return "independent", f"its version {text} is its own, not on the core's {core}"
    if str(plain.core) != core:
        return "two-tier", (f"its version {text} is near the core's {core}: taken for an earlier "
                            "scheme's, two-tier from now on (versioning = \"independent\" keeps "
                            "its own)")
    released = _released_with_core(src.tags, tagged, core)
    if released:
        return "lockstep", f"its version is the core's {core}, and {released}"
    return "two-tier", (f"its version is the core's {core} and nothing released says more: the "
                        "default (lockstep if it always carries the core's version)")


def _file_version(src: Sources, binding: FoundBinding) -> str | None:
    spec = next((f for f in binding.version_files if f.value == "binding"), None)
    if spec is None:
        return None
    try:
        return formats.read(spec, src.read(spec.path) or "")
    except ReleaseError:
        return None


def _two_tier(text: str) -> bool:
    try:
        BindingVersion.parse(text)
    except ReleaseError:
        return False
    return True


def _released_with_core(tags: Sequence[str], tagged: Sequence[str], core: str) -> str | None:
    """What shows the binding released at the core's versions: its own three-part tags that
    are core versions, or a release tag ``v<core>``."""
    cores = {t.split("-v", 1)[-1] if "-v" in t else t[1:] for t in tags
             if t.startswith(("v", "core-v"))}
    matching = [t for t in tagged if t in cores and CoreVersion.parses(t)]
    if matching:
        return f"its tags follow the core's ({len(matching)} at core versions)"
    if not tagged and core in cores:
        return f"the release tag v{core} (or core-v{core}) is at that version"
    return None
