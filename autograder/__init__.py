r"""Going Deeper autograder: check framework, sandboxed grading engine, Gradescope packaging.

Subpackages:
  checking/     checks' building blocks, used in the student's kernel and when grading
  sandbox/      the worker process that runs student code
  grading/      the trusted grading engine, results.json / CSV, the grading CLI
  packaging/    otter-assign driver, student handout and autograder.zip builder
  assignments/  the check functions of each assignment (public.py ships to students, hidden.py not)
"""
