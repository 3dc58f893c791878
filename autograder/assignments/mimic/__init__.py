r"""Assignment `mimic`: do deep nets really need to be deep? Equal-budget depth sweeps and mimic
training (Ba & Caruana 2014).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``). Measured with
one thread (grading runs student code with OMP/MKL/torch threads = 1) on a 2-core machine shared
with other jobs: the reference notebook grades end to end in 26 s (54 s under heavy load), the
stub in 2 s. Of that, running the notebook takes about 20 s (largest cells: the five-seed
experiment 7-12 s, the depth sweep 7-11 s), the training questions 1.6 s (mimic_q4), 2.5-3 s
(mimic_q5) and 2.4 s (mimic_q6). The bounds leave a factor of 10 or more for a slower machine
(Gradescope gives 0.5-2 vCPU) while still stopping a runaway loop.
"""
LIMITS = {"cell_s": 120.0, "notebook_s": 300.0, "question_s": 60.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
