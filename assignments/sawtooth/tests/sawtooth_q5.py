from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q5"
points = 2

@test_case(points=None, hidden=False)
def test_shallow_net_runs(shallow_sawtooth_net, min_shallow_width):
    from autograder.assignments.sawtooth.public import shallow_net_runs
    shallow_net_runs(shallow_sawtooth_net, min_shallow_width)

