from otter.test_files import test_case

OK_FORMAT = False

name = "init_q1"
points = 1

@test_case(points=None, hidden=False)
def test_gain_type(leaky_relu_gain):
    from autograder.assignments.init.public import gain_type
    gain_type(leaky_relu_gain)

