from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q6"
points = 1

@test_case(points=None, hidden=False)
def test_autoencoder_types(train_autoencoder_layer):
    from autograder.assignments.backprop.public import autoencoder_types
    autoencoder_types(train_autoencoder_layer)

