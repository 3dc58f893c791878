r"""Assignment `mimic`: do deep nets really need to be deep? Equal-budget depth sweeps and mimic
training (Ba & Caruana 2014).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). The checks of
all questions take about 0.4 CPU s for the reference (graded training runs of 3 to 273 full-batch
epochs on width-8 nets), after worker start and torch's first calls; the notebook's experiment
cells are skipped while grading (nothing graded reads them). The bounds leave a wide margin for a
slower machine (Gradescope gives 0.5-2 vCPU) while still stopping a runaway loop soon.

SUBSTITUTES: depth_sweep (mimic_q6) calls the student's width_for_budget, mlp, count_params and
train_on_labels; while mimic_q6 is graded they are our reference definitions, so a mistake in one
of them costs only its own question.
"""
LIMITS = {"cell_s": 120.0, "notebook_s": 300.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
SUBSTITUTES = {"mimic_q6": ("width_for_budget", "mlp", "count_params", "train_on_labels")}
PRELOAD = ("torch._dynamo",)   # the graded functions build torch.optim optimizers: see engine._Run._preload
