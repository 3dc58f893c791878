r"""Builds student handouts and Gradescope autograders from master notebooks (see build.py)."""
