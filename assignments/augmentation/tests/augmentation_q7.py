from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q7"
points = 2

@test_case(points=None, hidden=False)
def test_gap_structure(augmentation_gap):
    from autograder.assignments.augmentation.public import gap_structure
    gap_structure(augmentation_gap)

