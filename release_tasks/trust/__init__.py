"""Trusted publishing (OIDC): what each component's registry needs to publish without a
stored token, and whether this job has it.

:mod:`release_tasks.trust.doctor` checks a job's credential path before any build;
:mod:`release_tasks.trust.publishers` says what to enter on each registry's
trusted-publisher form and what is still missing there. The registry differences are the
kinds' own (:class:`release_tasks.registries.trust.TrustSetup`).
"""
