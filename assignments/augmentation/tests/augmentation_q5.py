from otter.test_files import test_case

OK_FORMAT = False

name = "augmentation_q5"
points = 2

@test_case(points=None, hidden=False)
def test_mlp_structure(mlp_classifier):
    from autograder.assignments.augmentation.public import mlp_structure
    mlp_structure(mlp_classifier)

@test_case(points=None, hidden=False)
def test_training_history(mlp_classifier, train_classifier):
    from autograder.assignments.augmentation.public import training_history
    training_history(mlp_classifier, train_classifier)

