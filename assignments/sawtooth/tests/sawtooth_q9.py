from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q9"
points = 2

@test_case(points=None, hidden=False)
def test_square_net_runs(square_net):
    from autograder.assignments.sawtooth.public import square_net_runs
    square_net_runs(square_net)

