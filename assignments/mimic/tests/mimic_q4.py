from otter.test_files import test_case

OK_FORMAT = False

name = "mimic_q4"
points = 2

@test_case(points=None, hidden=False)
def test_train_on_labels_runs(train_on_labels):
    from autograder.assignments.mimic.public import train_on_labels_runs
    train_on_labels_runs(train_on_labels)

