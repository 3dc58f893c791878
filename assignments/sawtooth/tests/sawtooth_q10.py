from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q10"
points = 2

@test_case(points=None, hidden=False)
def test_product_net_runs(product_net):
    from autograder.assignments.sawtooth.public import product_net_runs
    product_net_runs(product_net)

