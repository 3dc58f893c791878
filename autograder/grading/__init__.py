r"""The trusted grading engine (see engine.py) and its CLI (python -m autograder.grading)."""
