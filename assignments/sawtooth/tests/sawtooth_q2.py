from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q2"
points = 1

@test_case(points=None, hidden=False)
def test_rect_shape(rect):
    from autograder.assignments.sawtooth.public import rect_shape
    rect_shape(rect)

