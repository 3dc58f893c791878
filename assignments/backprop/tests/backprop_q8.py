from otter.test_files import test_case

OK_FORMAT = False

name = "backprop_q8"
points = 2

@test_case(points=None, hidden=False)
def test_finetune_types(finetune):
    from autograder.assignments.backprop.public import finetune_types
    finetune_types(finetune)

@test_case(points=None, hidden=False)
def test_finetune_keeps_encoder(finetune):
    from autograder.assignments.backprop.public import finetune_keeps_encoder
    finetune_keeps_encoder(finetune)

