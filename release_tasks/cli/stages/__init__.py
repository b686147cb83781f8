"""The stages of ``python -m release_tasks``: one module each, with its options next to it.

A stage module has ``add_arguments(parser)`` and ``run(args, env) -> int`` (and ``HELP``);
:data:`STAGES` lists them in the order ``--help`` shows them. A module is imported only when
its stage runs (or the parser is built), and a stage imports what it works with only inside
``run``, so that starting one stage does not pay for all of them.
"""

from __future__ import annotations

from typing import Final


class Stage:
    """Where a stage lives: its module, and the functions in it (when not the defaults)."""

    # A plain class: every start of the tool builds this table, and a NamedTuple costs
    # more to define than the rest of this module.
    __slots__ = ("add", "help", "module", "run")

    def __init__(self, module: str, add: str = "add_arguments", run: str = "run",
                 help: str = "HELP") -> None:
        self.module = module
        self.add = add
        self.run = run
        self.help = help

    def __repr__(self) -> str:
        return f"Stage({self.module!r}, add={self.add!r}, run={self.run!r}, help={self.help!r})"


STAGES: Final[dict[str, Stage]] = {
    "init": Stage("init"),
    "detect": Stage("detect"),
    "versions": Stage("versions"),
    "update": Stage("update"),
    "release": Stage("release"),
    "publish_crates": Stage("publish_crates"),
    "demo": Stage("demo"),
    "history": Stage("history"),
    "edge": Stage("edge"),
    "build": Stage("build"),
    "publish": Stage("publish"),
    "publish_ruby": Stage("publish_binding", add="add_ruby_arguments", run="run_ruby",
                          help="HELP_RUBY"),
    "publish_python": Stage("publish_binding", add="add_python_arguments", run="run_python",
                            help="HELP_PYTHON"),
    "publish_typescript": Stage("publish_binding", add="add_typescript_arguments",
                                run="run_typescript", help="HELP_TYPESCRIPT"),
    "rehearse": Stage("rehearse"),
    "release_page": Stage("release_page"),
    "yank": Stage("yank"),
    "doctor": Stage("doctor"),
    "trust": Stage("trust"),
    "preflight": Stage("preflight"),
    "workflow": Stage("workflow"),
    "schema": Stage("schema"),
}
