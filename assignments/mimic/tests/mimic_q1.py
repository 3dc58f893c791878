from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q1"
points = 1

@test_case(points=None, hidden=False)
def test_count_params_small(count_params):
    from autograder.assignments.mimic.public import count_params_small
    count_params_small(count_params)

