from otter.test_files import test_case

OK_FORMAT = False

name = "init_q5"
points = 1

@test_case(points=None, hidden=False)
def test_moments_list(layer_second_moments):
    from autograder.assignments.init.public import moments_list
    moments_list(layer_second_moments)

