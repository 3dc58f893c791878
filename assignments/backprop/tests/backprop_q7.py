from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q7"
points = 1

@test_case(points=None, hidden=False)
def test_greedy_pretrain_types(train_autoencoder_layer, greedy_pretrain):
    from autograder.assignments.backprop.public import greedy_pretrain_types
    greedy_pretrain_types(train_autoencoder_layer, greedy_pretrain)

