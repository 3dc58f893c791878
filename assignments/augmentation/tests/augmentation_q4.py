from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q4"
points = 2

@test_case(points=None, hidden=False)
def test_loaders_types(make_loaders):
    from autograder.assignments.augmentation.public import loaders_types
    loaders_types(make_loaders)

