r"""Assignment `backprop`: how deep nets are trained — sigmoid bumps (universal approximation), a
computation graph by hand, a scalar autodiff ``Value``, vanishing gradients, greedy layer-wise
pretraining and fine-tuning.

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). On the student
side the checks of all questions take about 1.6 CPU seconds (q1 0.25, q3-q5 0.15 together, q6 0.3,
q7 0.45, q8 0.5), plus about 1.3 s the first time the student's code builds a torch optimizer
(torch imports torch._dynamo then); no check runs for more than a second.

How sharp the checks are is measured by mutation testing (``make mutants A=backprop``; the reviewed
baseline is ``mutants.json`` here).

``SUBSTITUTES``: while question 7 is graded, the notebook's ``train_autoencoder_layer`` (question 6)
is our reference, so a student's ``greedy_pretrain``, which calls it by name as its contract says,
is graded on its own and a mistake in question 6 is not counted twice. No other graded function
calls another question's function.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
SUBSTITUTES = {"backprop_q7": ("train_autoencoder_layer",)}
PRELOAD = ("torch._dynamo",)   # the graded functions build torch.optim optimizers: see engine._Run._preload
