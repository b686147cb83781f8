"""One publish run of the core crates: what the crates published at once share (read-only,
but for the pacer and the stop), and the work for one crate.

Before anything is uploaded the registry is read once per crate (:meth:`survey`): which
versions it has, with which bytes, and whether the crate itself exists; that says what the
``--on-duplicate`` policy applies to, and what the rate limits will make the run wait
(:meth:`announce`). Each crate then asks again, takes a slot from the pacer, runs ``cargo
publish`` (again after a 429, at the time it names), and waits until the registry lists the
version with the bytes that were packaged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import httpx

from release_tasks import cmd
from release_tasks.errors import CommandError, OtherBytes, ReleaseError, UsageError
from release_tasks.log import get_logger
from release_tasks.model.duplicates import DEFAULT_ON_DUPLICATE, OnDuplicate, handle_duplicate
from release_tasks.publish.crates.files import CrateState, LocalCrate, read_state
from release_tasks.publish.crates.pacing import Pacer, WaitTooLong, stamp
from release_tasks.publish.crates.phases import CratePlan, CrateResult, Outcome, Sleep, run_phases
from release_tasks.publish.files import ContentMismatch
from release_tasks.publish.stop import Stop, Stopped
from release_tasks.publish.tags import wait_until_visible
from release_tasks.registries import Endpoints, make_client, ordering
from release_tasks.registries.crates_io import cargo
from release_tasks.registries.crates_io.cargo import registry_label
from release_tasks.registries.crates_io.limits import (
    Action,
    RateLimits,
    is_rate_limited,
    retry_at,
)

log = get_logger("publish_crates")

DEFAULT_INDEX_TIMEOUT = 600.0

@dataclass(frozen=True, kw_only=True)
class CrateOptions:
    """The command line of ``publish_crates``, validated."""

    dry_run: bool = False
    on_duplicate: OnDuplicate = DEFAULT_ON_DUPLICATE
    registry: str | None = None  # an alternative cargo registry; None: crates.io
    push_tags: bool = False
    index_timeout: float = DEFAULT_INDEX_TIMEOUT
    jobs: int | None = None  # crates published at once; None: the width of the phase
    offline: bool = True  # `cargo package --offline` in the dry run
    max_wait: float | None = None  # seconds of rate-limit waits in all; None: no bound
    accept_registry_bytes: bool = False  # tag over other bytes on the registry, recorded

    def __post_init__(self) -> None:
        if not self.index_timeout > 0:
            raise UsageError(f"--index-timeout must be more than 0 seconds, not {self.index_timeout}")
        if self.jobs is not None and self.jobs < 1:
            raise UsageError(f"--jobs must be 1 or more, not {self.jobs}")
        if self.max_wait is not None and not self.max_wait >= 0:
            raise UsageError(f"--max-wait must be 0 seconds or more, not {self.max_wait}")
        object.__setattr__(self, "registry", cargo.alternative(self.registry))

#: 429s in a row for one crate before it counts as failed: a registry that keeps refusing
#: is not waited for forever.
MAX_THROTTLES = 20
#: Registry reads at once when every crate is read (one client serves them all).
SURVEY_THREADS = 8


@dataclass(frozen=True, kw_only=True)
class CratePublisher:
    """One publish run; see the module docstring."""

    plan: CratePlan
    options: CrateOptions
    registry: str | None
    endpoints: Endpoints
    env: Mapping[str, str]
    http: httpx.Client = field(default_factory=make_client)
    sleep: Sleep = time.sleep
    #: The ``.crate`` of each crate as this commit packages it (none: bytes not compared).
    local: Mapping[str, LocalCrate] = field(default_factory=dict)
    #: The registry's rate limits (None: unknown, paced by its 429s only).
    limits: RateLimits | None = None
    stop: Stop = field(default_factory=Stop)
    #: Crates the registry holds with other bytes, accepted with a warning.
    other_bytes: set[str] = field(default_factory=set)

    @property
    def version(self) -> str:
        return str(self.plan.version)

    @property
    def where(self) -> str:
        return registry_label(self.registry)

    @cached_property
    def pacer(self) -> Pacer:
        return Pacer(self.limits, max_wait=self.options.max_wait, stop=self.stop)

    # --- before the first upload --------------------------------------------------------------

    def publish(self) -> list[CrateResult]:
        """Survey, announce the waits, then every phase (the client stays open for the
        read-back; its owner closes it)."""
        states = self.survey()
        self.announce(states)
        self.stop.before_upload()  # RELEASE_TASKS_STOP_AFTER_UPLOADS=0: no crate starts
        return run_phases(self.plan.phases, self.plan.deps, self.publish_one,
                          version=self.version, jobs=self.options.jobs,
                          stopping=self.stop.is_set)

    def survey(self) -> dict[str, CrateState]:
        """Every crate's state on the registry, in publish order; under
        ``--on-duplicate=fail`` the first one already there stops the run before any upload.
        A crate the registry cannot answer for (or lists a greater version of) is left out:
        its own turn fails it, and only the crates that depend on it."""
        def read(crate: str) -> CrateState | None:
            try:
                return self.read(crate)
            except ReleaseError:
                return None

        with ThreadPoolExecutor(max_workers=SURVEY_THREADS) as pool:
            found = dict(zip(self.plan.crates, pool.map(read, self.plan.crates), strict=True))
        states = {crate: state for crate, state in found.items() if state is not None}
        for state in states.values():
            if state.present and self.options.on_duplicate == "fail":
                self.duplicate(state)
        return states

    def announce(self, states: Mapping[str, CrateState]) -> str:
        """Log how many uploads are new crates and new versions, and what the rate limits
        will make the run wait; return that line."""
        actions = [(crate, action_for(state)) for crate, state in states.items()
                   if not state.present]
        line = self.pacer.announce(actions, self.where)
        log.info("%s", line)
        return line

    def read(self, crate: str) -> CrateState:
        """One read of the registry, judged by semver: the same version with other build
        metadata, or a greater one, is an error rather than "already published"."""
        state = read_state(self.http, self.endpoints, crate, self.version,
                           self.local.get(crate))
        ordering.check_listed(
            cargo.NAME, self.where, crate, self.version, [e.version for e in state.listed],
            "Nothing more was published. Release the core above it: tag the commit it was "
            "published from with its core tag, so that `nox -s versions` plans above it, then "
            "`nox -s release`")
        return state

    def duplicate(self, state: CrateState) -> str:
        """The ``--on-duplicate`` policy for a version already there, with its bytes
        compared; the note for the summary."""
        mode, crate = self.options.on_duplicate, state.crate
        verdict = state.verdict
        if verdict == "other bytes" and mode != "fail" and self._over_other_bytes(crate):
            handle_duplicate(mode, crate, self.version, self.where, log)
            log.warning("  %s@%s: its bytes differ from the local .crate because a crate it "
                        "depends on does (its Cargo.lock records that one's checksum)", crate,
                        self.version)
            self.other_bytes.add(crate)
            return "other bytes, through a dependency"
        if verdict == "other bytes":
            if mode == "fail":
                raise OtherBytes(f"{state.mismatch(self.where)} (--on-duplicate=fail); nothing "
                                 "was published or tagged")
            log.warning("  [%s] !!! %s !!!", mode, state.mismatch(self.where))
            self.other_bytes.add(crate)
            return f"OTHER BYTES: registry sha256 {state.remote_sha256}, local " \
                   f"{state.local.sha256 if state.local else '?'}"
        handle_duplicate(mode, crate, self.version, self.where, log)
        if verdict == "unchecked":
            log.warning("  %s@%s: its bytes are not compared: %s", crate, self.version,
                        state.unchecked(self.where))
            return "bytes not compared"
        return "same bytes" if verdict == "same" else ""

    # --- one crate ------------------------------------------------------------------------------

    def publish_one(self, crate: str) -> CrateResult:
        start = time.monotonic()
        began: list[bool] = []  # set once cargo publish runs: a stop then "interrupts" it

        def result(outcome: Outcome, state: str, detail: str = "") -> CrateResult:
            elapsed = time.monotonic() - start
            log.info("  %s@%s: %s (%.1fs)", crate, self.version, state, elapsed)
            return CrateResult(crate=crate, version=self.version, outcome=outcome,
                               seconds=elapsed, detail=detail)

        if self.stop.is_set():
            return result("not started", "not started", f"the run stopped ({self.stop.reason})")
        log.info("  %s@%s: started (0.0s)", crate, self.version)
        try:
            state = self.read(crate)
            if state.present:
                note = self.duplicate(state)
                return result("already published", "already there", note)
            if crate in self.local and self.expected_sha256(crate) is None:
                log.warning("  %s@%s: built on a crate the registry holds with other bytes: "
                            "its Cargo.lock records that crate's checksum, so its own bytes "
                            "are not compared", crate, self.version)
            self.upload(crate, action_for(state), began)
            log.info("  %s@%s: waiting for index (%.1fs)", crate, self.version,
                     time.monotonic() - start)
            wait_until_visible(lambda: self.visible(crate), self.options.index_timeout,
                               f"{crate}@{self.version}", sleep=self._pause)
        except WaitTooLong as exc:
            self.stop.set(f"the rate limit would make it wait past --max-wait "
                          f"{self.options.max_wait:g} s", resume_at=exc.at)
            return result("not started", "not started", str(exc))
        except Stopped:
            if began:
                return result("interrupted", "interrupted",
                              "uploaded; the run stopped before the registry listed it")
            return result("not started", "not started", f"the run stopped ({self.stop.reason})")
        except ReleaseError as exc:
            if self.stop.is_set() and began:
                code = f" (exit {exc.returncode})" if isinstance(exc, CommandError) else ""
                return result("interrupted", "interrupted",
                              f"abandoned while cargo publish was running{code}")
            return result("failed", "FAILED", str(exc))
        return result("published", "done")

    def upload(self, crate: str, action: Action, began: list[bool]) -> None:
        """``cargo publish`` when the pacer allows it, again after each 429 (unverified: the
        sources were verified the first time); ``began`` gets an entry when cargo starts."""
        registry_args = ["--registry", self.registry] if self.registry else []
        for attempt in range(MAX_THROTTLES + 1):
            self.pacer.acquire(crate, action)
            if self.stop.is_set() or (attempt == 0 and not self.stop.may_start()):
                raise Stopped(self.stop.reason)
            log.info("  %s@%s: uploading", crate, self.version)
            again = ["--no-verify"] if attempt else []
            began.append(True)
            try:
                cmd.run(["cargo", "publish", "-p", crate, *registry_args, *again],
                        cwd=self.plan.workspace_dir, env=self.env, prefix=f"{crate} ")
                self.pacer.uploaded(action)
                self.stop.uploaded()
                return
            except CommandError as exc:
                if not is_rate_limited(exc.tail) or attempt == MAX_THROTTLES:
                    raise
                until = self.pacer.throttled(action, retry_at(exc.tail))
                log.warning("  %s@%s: %s answered 429 (rate limit for a %s); nothing was "
                            "uploaded; trying again at %s", crate, self.version, self.where,
                            action, stamp(until))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def visible(self, crate: str) -> bool:
        """Whether the registry lists the version; ContentMismatch when with other bytes than
        the ones packaged (the upload was not what this commit builds)."""
        state = read_state(self.http, self.endpoints, crate, self.version, self.local.get(crate))
        if state.verdict == "other bytes" and self.expected_sha256(crate) is not None:
            raise ContentMismatch(f"after the upload, {state.mismatch(self.where)}")
        return state.present

    def expected_sha256(self, crate: str) -> str | None:
        """The sha256 the registry must list for ``crate``: its local ``.crate``'s; None (any
        bytes) when there is none, or when it or a crate it depends on is on the registry
        with other bytes (accepted with a warning): its Cargo.lock records that crate's
        checksum, so its own bytes differ too."""
        if crate not in self.local or self._over_other_bytes(crate):
            return None
        return self.local[crate].sha256

    def _over_other_bytes(self, crate: str, seen: frozenset[str] = frozenset()) -> bool:
        if crate in self.other_bytes:
            return True
        deps = self.plan.deps.get(crate, frozenset()) - seen
        return any(self._over_other_bytes(d, seen | {crate}) for d in deps)

    def _pause(self, seconds: float) -> None:
        # A stop ends the wait for the index: the account asks the registry instead.
        if self.stop.is_set():
            raise Stopped(self.stop.reason)
        if self.sleep is time.sleep:
            if self.stop.event.wait(seconds):
                raise Stopped(self.stop.reason)
        else:
            self.sleep(seconds)

    # --- after the run ----------------------------------------------------------------------

    def settle(self, results: Sequence[CrateResult]) -> list[CrateResult]:
        """The crates in flight when the run stopped, as the registry now lists them."""
        settled = []
        for r in results:
            if r.outcome == "interrupted":
                # An abandoned upload may still land: say so rather than "not published".
                absent = (f"{self.where} did not list it when the run ended; it may still "
                          "appear, and a re-run asks first") if self.stop.abandoned else \
                    f"{self.where} does not list it: not published"
                try:
                    there = self.read(r.crate).present
                    r = CrateResult(crate=r.crate, version=r.version,
                                    outcome="published" if there else "interrupted",
                                    seconds=r.seconds,
                                    detail=r.detail if there else f"{r.detail}; {absent}")
                except ReleaseError as exc:
                    r = CrateResult(crate=r.crate, version=r.version, outcome="interrupted",
                                    seconds=r.seconds, detail=f"{r.detail}; unknown ({exc})")
            settled.append(r)
        return settled

    def expected(self) -> dict[str, str | None]:
        """What the read-back must find (:meth:`expected_sha256` of every crate)."""
        return {crate: self.expected_sha256(crate) for crate in self.plan.crates}


def action_for(state: CrateState) -> Action:
    """Which rate limit an upload of ``state``'s version takes a token from."""
    return "new crate" if state.new_crate else "new version"
