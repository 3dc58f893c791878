r"""The untrusted side of grading: a worker process that runs student code (see worker.py)."""
