from otter.test_files import test_case

OK_FORMAT = False

name = "init_q6"
points = 1

@test_case(points=None, hidden=False)
def test_critical_type(critical_sigma_w2):
    from autograder.assignments.init.public import critical_type
    critical_type(critical_sigma_w2)

