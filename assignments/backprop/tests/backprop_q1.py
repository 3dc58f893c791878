from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q1"
points = 2

@test_case(points=None, hidden=False)
def test_bumps_shapes(sigmoid_bump, cybenko_approx):
    from autograder.assignments.backprop.public import bumps_shapes
    bumps_shapes(sigmoid_bump, cybenko_approx)

@test_case(points=None, hidden=False)
def test_bumps_properties(sigmoid_bump, cybenko_approx):
    from autograder.assignments.backprop.public import bumps_properties
    bumps_properties(sigmoid_bump, cybenko_approx)

