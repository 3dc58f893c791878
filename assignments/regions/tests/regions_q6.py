from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q6"
points = 3

@test_case(points=None, hidden=False)
def test_recover_public(recover_first_layer):
    from autograder.assignments.regions.public import recover_public
    recover_public(recover_first_layer)

