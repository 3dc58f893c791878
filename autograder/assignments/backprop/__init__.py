r"""Assignment `backprop`: how deep nets are trained — sigmoid bumps (universal approximation), a
computation graph by hand, a scalar autodiff ``Value``, vanishing gradients, greedy layer-wise
pretraining and fine-tuning.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). The checks of
every question together take about 2 CPU seconds; the slowest question (fine-tuning, 6 short
training runs) under a second.

``SUBSTITUTES``: while question 7 is graded, the notebook's ``train_autoencoder_layer`` (question 6)
is our reference, so a student's ``greedy_pretrain``, which calls it by name as its contract says,
is graded on its own and a mistake in question 6 is not counted twice. No other graded function
calls another question's function.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
SUBSTITUTES = {"backprop_q7": ("train_autoencoder_layer",)}
