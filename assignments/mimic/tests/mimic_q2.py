from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q2"
points = 1

@test_case(points=None, hidden=False)
def test_mlp_shapes(mlp):
    from autograder.assignments.mimic.public import mlp_shapes
    mlp_shapes(mlp)

