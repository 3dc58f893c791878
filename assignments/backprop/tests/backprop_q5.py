from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q5"
points = 2

@test_case(points=None, hidden=False)
def test_gradient_norms_shape(gradient_norms_by_layer):
    from autograder.assignments.backprop.public import gradient_norms_shape
    gradient_norms_shape(gradient_norms_by_layer)

@test_case(points=None, hidden=False)
def test_gradient_norms_order(gradient_norms_by_layer):
    from autograder.assignments.backprop.public import gradient_norms_order
    gradient_norms_order(gradient_norms_by_layer)

