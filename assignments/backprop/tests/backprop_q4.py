from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q4"
points = 3

@test_case(points=None, hidden=False)
def test_value_ops_run(Value):
    from autograder.assignments.backprop.public import value_ops_run
    value_ops_run(Value)

@test_case(points=None, hidden=False)
def test_value_shared_node_slope(Value):
    from autograder.assignments.backprop.public import value_shared_node_slope
    value_shared_node_slope(Value)

