"""What trusted publishing (OIDC) is on one registry (room: ``registries/``).

Each kind holds one :class:`TrustSetup` as its ``trust``: where its trusted-publisher form
is, whether a package that does not exist yet can have a *pending* publisher (PyPI,
RubyGems) or needs its first version published with a token (crates.io, npm), what in a
job silently turns trusted publishing off (a token variable, a config file holding a
token), the tool version it needs, and the provenance the registry keeps. The ``trust`` and
``doctor`` stages read it; nothing else tells the registries apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ToolMinimum:
    """A program the job's trusted publishing needs at a least version."""

    program: str
    minimum: tuple[int, ...]
    fix: str  # the one command that gets it

    @property
    def shown(self) -> str:
        return ".".join(map(str, self.minimum))


@dataclass(frozen=True, kw_only=True)
class TrustSetup:
    """One registry's trusted publishing; see the module docstring."""

    #: The publisher form of an existing package (``{package}`` is replaced).
    settings_url: str
    #: Where a pending publisher is added for a package that does not exist yet; ``None``:
    #: the registry has none, the first version needs a token.
    pending_url: str | None
    #: The form's field for the workflow (they all ask owner, repository, workflow file and
    #: environment; the words differ).
    workflow_field: str = "Workflow filename"
    #: Variables that, set in the job, make the registry's tool take a token instead of OIDC.
    shadowing_variables: tuple[str, ...] = ()
    #: Config files (in the package's directory, the repository's top level, HOME) and
    #: variables naming one, that may hold a token which wins over OIDC; ``token_marker``
    #: is how such a line reads.
    token_files: tuple[str, ...] = ()
    token_file_variables: tuple[str, ...] = ()
    token_marker: str = ""
    #: The tool version trusted publishing needs in the job, if any.
    tool: ToolMinimum | None = None
    #: What provenance an upload carries there, and how the job makes it.
    provenance: str = ""
    #: The official action that exchanges the job's OIDC token for a short-lived one, as
    #: YAML lines of a step (id ``trusted``), where the tool's upload does not do it itself
    #: (uv and npm do); ``exchanged``: the variable the upload reads and the expression that
    #: gives it the token (none: the action exports it).
    exchange_step: tuple[str, ...] = ()
    exchanged: tuple[str, str] | None = None
    #: The exchange action's input that names the registry (it asks the public one by
    #: default), and the endpoint field whose URL it takes: given when the config moves the
    #: registry elsewhere (a staging or private one), so the token comes from where the
    #: upload goes.
    exchange_input: tuple[str, str] | None = None
    #: Whether the component's token may stand beside the exchange in the upload step, for
    #: a first version the registry takes no publisher for (crates.io); npm's would shadow it.
    token_fallback: bool = False
    #: Where the job finds the files it attests to the repository itself (GitHub artifact
    #: attestations), for a registry that keeps no provenance: a glob below the workspace.
    attested_files: str | None = None
    #: Steps a trusted lane runs before its exchange (a tool its provenance needs).
    setup_steps: tuple[str, ...] = ()
