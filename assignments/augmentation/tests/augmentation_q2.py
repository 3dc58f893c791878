from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q2"
points = 3

@test_case(points=None, hidden=False)
def test_train_transform_output(train_transform):
    from autograder.assignments.augmentation.public import train_transform_output
    train_transform_output(train_transform)

