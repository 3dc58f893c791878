from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q5"
points = 2

@test_case(points=None, hidden=False)
def test_pretrain_types(train_autoencoder_layer, greedy_pretrain):
    from autograder.assignments.backprop.public import pretrain_types
    pretrain_types(train_autoencoder_layer, greedy_pretrain)

