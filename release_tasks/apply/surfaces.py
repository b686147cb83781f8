"""Version surfaces of an npm binding beyond its version files, which its ecosystem's
convention names:

* the pins of its platform packages in ``package.json``'s ``optionalDependencies``
  (``"@scope/name-linux-x64-gnu": "0.1.8002"``), which must be exactly its version (the
  publish's gate refuses a main package whose pins differ);
* napi-rs's generated loader (``index.js``, ``index.cjs``, ``binding.js`` next to
  ``package.json``), which compares the platform package's version with the one it was
  generated for when it loads (``bindingPackageVersion !== '0.1.8002'``).

``update`` writes them with the binding's version; a surface that holds another version than
the binding's is drift, which ``versions --check`` reports.
"""

from __future__ import annotations

import functools
import json
import re

from release_tasks.apply.sites import Planner, Site
from release_tasks.model.components import Binding
from release_tasks.registries import kind_of

#: napi-rs's loaders: the file names ``napi build --platform`` writes its JavaScript into.
LOADERS = ("index.js", "index.cjs", "binding.js", "binding.cjs")
_CHECK = re.compile(r"""(bindingPackageVersion\s*!==\s*)(['"])([^'"]+)\2""")
_MESSAGE = re.compile(r"(version mismatch, expected )([0-9][^\s`'\"]*)( but got)")

__all__ = ["LOADERS", "surfaces"]


def surfaces(p: Planner, binding: Binding, primary_text: str, new: str) -> None:
    """Add the binding's surfaces to ``p``: each holds ``primary_text`` now and gets ``new``."""
    kind = kind_of(binding.registry)
    if all(kind.platform_package(binding.package, name) == binding.package
           for name in kind.platform_tags):
        return  # a registry without a package per platform: no such surfaces
    _pins(p, binding, primary_text, new)
    for name in LOADERS:
        loader = f"{binding.directory}/{name}"
        if (p.root / loader).is_file():
            _loader(p, loader, primary_text, new)


def _pins(p: Planner, binding: Binding, primary_text: str, new: str) -> None:
    manifest = f"{binding.directory}/package.json"
    if not (p.root / manifest).is_file():
        return
    text = p.text(manifest)
    try:
        pins = json.loads(text or "{}").get("optionalDependencies") or {}
    except (ValueError, AttributeError):
        return
    kind = kind_of(binding.registry)
    own = {kind.platform_package(binding.package, name) for name in kind.platform_tags}
    for package, old in pins.items() if isinstance(pins, dict) else ():
        if package not in own:
            continue
        conflict = (None if old in (primary_text, new) else
                    f"optionalDependencies {package}: found {old}, expected {primary_text} "
                    "(exactly the binding's version)")
        site = Site(manifest, f"optionalDependencies.{package}", str(old), new, conflict)
        p.add(manifest, functools.partial(_set_pin, package, new), site)


def _set_pin(package: str, value: str, text: str) -> str:
    """``text`` with ``"package": "..."`` in ``optionalDependencies`` set to ``value``, every
    other byte kept."""
    start = text.find('"optionalDependencies"')
    end = text.find("}", start)
    if start < 0 or end < 0:
        return text
    pin = re.compile(rf'("{re.escape(package)}"\s*:\s*")[^"]*(")')
    return text[:start] + pin.sub(rf"\g<1>{value}\g<2>", text[start:end], count=1) + text[end:]


def _loader(p: Planner, loader: str, primary_text: str, new: str) -> None:
    text = p.text(loader)
    if text is None:
        return
    found = [m.group(3) for m in _CHECK.finditer(text)] + [m.group(2)
                                                           for m in _MESSAGE.finditer(text)]
    if not found:
        return
    stale = sorted({v for v in found if v not in (primary_text, new)})
    conflict = (f"napi's loader checks for {', '.join(stale)}, expected {primary_text}: "
                "regenerate it (napi build) or let update write it" if stale else None)
    site = Site(loader, "bindingPackageVersion", found[0], new, conflict)
    p.add(loader, functools.partial(_set_loader, new), site)


def _set_loader(value: str, text: str) -> str:
    text = _CHECK.sub(lambda m: f"{m.group(1)}{m.group(2)}{value}{m.group(2)}", text)
    return _MESSAGE.sub(lambda m: f"{m.group(1)}{value}{m.group(3)}", text)
