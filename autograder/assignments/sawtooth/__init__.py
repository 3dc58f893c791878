r"""Assignment `sawtooth`: universal approximation and the benefits of depth (Telgarsky's sawtooth).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``).
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
