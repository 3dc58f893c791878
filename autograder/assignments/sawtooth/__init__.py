r"""Assignment `sawtooth`: universal approximation and the benefits of depth (Telgarsky's sawtooth).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``).
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
# Questions whose checks call a student function that uses another graded function by its global
# name: while they are graded, that helper is our reference (one mistake costs one question).
SUBSTITUTES = {"sawtooth_q10": ("square_net",), "sawtooth_q11": ("square_net", "product_net")}
