r"""Assignment `regions`: counting the linear regions of ReLU networks exactly, and what theory
(Hanin & Rolnick 2019) says about how many there are at initialization.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). The slowest
question (count_regions_1d: about 230 nets, the sawtooth up to 2^16 regions, three nets with
thousands of regions) takes about 1-2 s for the reference through the sandbox; 30 s leaves room
for slower but correct student code on a loaded machine.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
