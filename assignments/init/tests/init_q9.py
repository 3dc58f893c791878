from otter.test_files import test_case

OK_FORMAT = False

name = "init_q9"
points = 2

@test_case(points=None, hidden=False)
def test_trajectory_shape(trajectory_lengths):
    from autograder.assignments.init.public import trajectory_shape
    trajectory_shape(trajectory_lengths)

