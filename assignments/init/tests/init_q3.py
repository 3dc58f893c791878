from otter.test_files import test_case

OK_FORMAT = False

name = "init_q3"
points = 2

@test_case(points=None, hidden=False)
def test_init_returns_linear(init_leaky_relu_):
    from autograder.assignments.init.public import init_returns_linear
    init_returns_linear(init_leaky_relu_)

