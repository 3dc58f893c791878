r"""Assignment `regions`: counting the linear regions of ReLU networks exactly, and what theory
(Hanin & Rolnick 2019) says about how many there are at initialization.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). Every question
takes well under a second for the reference; 30 s per question leaves room for correct code that
is slower than ours (a counter looping over pieces in Python needs 1-5 s for question 2; question
2b stops its one timed call after 15 s).
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"

# No double jeopardy: while a question is graded, the helpers it may call are our reference ones
# (a student's count_regions_1d may read patterns with their activation_pattern; region_density
# counts with their count_regions_1d; recover_net may call their recover_first_layer), so one wrong
# helper costs only its own question.
SUBSTITUTES = {
    "regions_q2": ("activation_pattern",),
    "regions_q2b": ("activation_pattern",),
    "regions_q3": ("count_regions_1d", "activation_pattern"),
    "regions_q4": ("activation_pattern",),
    "regions_q7": ("recover_first_layer",),
}
