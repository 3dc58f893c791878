from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q8"
points = 2

@test_case(points=None, hidden=False)
def test_sin_net_shape(sin_relu_net, interpolation_error_bound):
    from autograder.assignments.sawtooth.public import sin_net_shape
    sin_net_shape(sin_relu_net, interpolation_error_bound)

