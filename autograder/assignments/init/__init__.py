r"""Assignment `init`: the need for good initialisation (leaky-ReLU gain, signal propagation in deep
leaky-ReLU nets, a scan of the initial scale on real data, the order-chaos transition of tanh nets).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``).
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
