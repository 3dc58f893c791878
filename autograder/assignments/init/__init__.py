r"""Assignment `init`: the need for good initialisation (the gain of piecewise-linear activations, signal
propagation in deep leaky-ReLU nets, a scan of the initial scale on real data, the order-chaos transition
of tanh nets, trajectory lengths, and the spread of the signal through a bottleneck).

Grading settings read by the packager (see autograder/grading/suite.py, ``Limits``).

``SUBSTITUTES``: while a question's checks run, the helpers its functions may call (other graded
functions of this notebook) are our reference definitions, so that one wrong helper costs only its
own question (issue 13, no double jeopardy). q8's three functions call each other inside one question
and are graded together.
"""
LIMITS = {"cell_s": 60.0, "notebook_s": 240.0, "question_s": 30.0, "max_restarts": 3}
HIDDEN_VISIBILITY = "after_published"
_INIT_HELPERS = ("leaky_relu_gain", "init_leaky_relu_", "critical_sigma_w2")
SUBSTITUTES = {
    "init_q3": ("leaky_relu_gain", "critical_sigma_w2"),
    "init_q4": _INIT_HELPERS + ("layer_second_moments",),
    "init_q6": ("leaky_relu_gain",),
    "init_q7": _INIT_HELPERS + ("deep_mlp", "layer_second_moments"),
    "init_q9": ("layer_second_moments", "tanh_q_star", "tanh_chi1", "tanh_critical_sigma_w2"),
    "init_q10": _INIT_HELPERS + ("deep_mlp", "layer_second_moments"),
}
PRELOAD = ("torch._dynamo",)   # the graded functions build torch.optim optimizers: see engine._Run._preload
