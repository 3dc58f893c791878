from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q3"
points = 2

@test_case(points=None, hidden=False)
def test_sawtooth_shape(tri, sawtooth):
    from autograder.assignments.sawtooth.public import sawtooth_shape
    sawtooth_shape(tri, sawtooth)

