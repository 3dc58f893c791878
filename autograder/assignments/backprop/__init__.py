r"""Assignment `backprop`: how deep nets are trained — sigmoid bumps (universal approximation), a
computation graph by hand, a scalar autodiff ``Value``, vanishing gradients, greedy layer-wise
pretraining and fine-tuning.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). The notebook's
own experiments take about 5 s; the slowest question (pretraining, 8 small training runs) 1-4 s.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
