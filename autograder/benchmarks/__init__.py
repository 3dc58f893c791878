r"""The parts of ``make bench`` (entry point: :mod:`autograder.bench`).

* :mod:`.grading`: one grading through the CLI in a fresh process, under a load, measured;
* :mod:`.cpu_build`: the CPU build of torch (a cached venv) and the import baselines;
* :mod:`.table`: the grading table and issue 15's targets;
* :mod:`.notebooks`: the master notebooks run as a student runs them, their time claims checked;
* :mod:`.machine`: what the figures were measured on.
"""
