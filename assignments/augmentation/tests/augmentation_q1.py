from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q1"
points = 1

@test_case(points=None, hidden=False)
def test_mean_std_types(channel_mean_std):
    from autograder.assignments.augmentation.public import mean_std_types
    mean_std_types(channel_mean_std)

