from otter.test_files import test_case

OK_FORMAT = False

name = "init_q4"
points = 3

@test_case(points=None, hidden=False)
def test_mlp_structure(deep_mlp):
    from autograder.assignments.init.public import mlp_structure
    mlp_structure(deep_mlp)

