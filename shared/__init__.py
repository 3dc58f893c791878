r"""Going Deeper course library: what the notebooks import (seeding, plotting, small nets, data).

It ships with the student handout and with the autograder, and stays small: one home for
helpers that would otherwise be pasted into several notebooks.
"""
