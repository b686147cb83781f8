"""Local stand-ins of the four registries, on 127.0.0.1 only: what ``rehearse`` publishes to,
and what the tests publish to.

* :class:`~release_tasks.standins.cargo_registry.CargoRegistry`: a cargo registry (sparse
  index, publish, yank, downloads, crates.io's rate limits on demand), in-process.
* :class:`~release_tasks.standins.rubygems_registry.RubyGemsRegistry`: RubyGems' push, yank,
  versions API and compact index, in-process.
* :class:`~release_tasks.standins.pypi_server.PypiServer`: a real pypiserver, a child process.
* :class:`~release_tasks.standins.verdaccio_server.Verdaccio`: a real verdaccio without
  uplinks, a child process.

None of them forwards anything to a public registry. The in-process ones use the standard
library only; the two servers must be installed (the ``rehearse`` session installs them).
"""
