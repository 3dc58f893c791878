from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q3"
points = 2

@test_case(points=None, hidden=False)
def test_forward_backward_J_keys(forward_backward_J):
    from autograder.assignments.backprop.public import forward_backward_J_keys
    forward_backward_J_keys(forward_backward_J)

@test_case(points=None, hidden=False)
def test_forward_backward_J_consistent(forward_backward_J):
    from autograder.assignments.backprop.public import forward_backward_J_consistent
    forward_backward_J_consistent(forward_backward_J)

