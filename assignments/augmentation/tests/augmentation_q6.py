from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q6"
points = 1

@test_case(points=None, hidden=False)
def test_first_layer_shape(first_layer_images):
    from autograder.assignments.augmentation.public import first_layer_shape
    first_layer_shape(first_layer_images)

