from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q3"
points = 1

@test_case(points=None, hidden=False)
def test_eval_transform_output(eval_transform):
    from autograder.assignments.augmentation.public import eval_transform_output
    eval_transform_output(eval_transform)

