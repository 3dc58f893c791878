r"""Mutation testing of the graders (``make mutants``): how many wrong variants of each question's
reference code its checks catch. See :mod:`.generate`, :mod:`.run`, :mod:`.baseline`."""
