"""``rehearse``: the release the workflow would make, published to local stand-ins of the
four registries, then installed and loaded the way a user would.

* :mod:`~release_tasks.rehearse.registries`: the four stand-ins (:mod:`release_tasks.standins`)
  started together, and the environment that sends every publish and install to them;
* :mod:`~release_tasks.rehearse.flow`: a clone of the repository, ``release``, the plan job's
  checks and the publish jobs of the workflow, in its order and with its commands;
* :mod:`~release_tasks.rehearse.consumers`: a consumer crate built against the cargo stand-in,
  ``pip install`` + import, ``gem install`` + ``require``, ``npm install`` + import;
* :mod:`~release_tasks.rehearse.report`: every step with its time.

Nothing of it touches the repository (the release is made in a clone, whose ``origin`` is a
bare repository of the rehearsal's own), its tags, or a real registry.
"""
