from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q5"
points = 4

@test_case(points=None, hidden=False)
def test_mimic_loss_scalar(mimic_loss):
    from autograder.assignments.mimic.public import mimic_loss_scalar
    mimic_loss_scalar(mimic_loss)

@test_case(points=None, hidden=False)
def test_train_mimic_runs(train_mimic):
    from autograder.assignments.mimic.public import train_mimic_runs
    train_mimic_runs(train_mimic)

