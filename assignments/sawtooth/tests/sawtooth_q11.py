from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q11"
points = 2

@test_case(points=None, hidden=False)
def test_product_of_n_runs(product_of_n):
    from autograder.assignments.sawtooth.public import product_of_n_runs
    product_of_n_runs(product_of_n)

