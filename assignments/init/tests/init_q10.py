from otter.test_files import test_case

OK_FORMAT = False

name = "init_q10"
points = 2

@test_case(points=None, hidden=False)
def test_log_variance_type(log_signal_variance):
    from autograder.assignments.init.public import log_variance_type
    log_variance_type(log_signal_variance)

