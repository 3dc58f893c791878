r"""Check functions per assignment: <name>/public.py ships to students, <name>/hidden.py only in the autograder."""
