from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q1"
points = 1

@test_case(points=None, hidden=False)
def test_relu_types(relu):
    from autograder.assignments.sawtooth.public import relu_types
    relu_types(relu)

