from otter.test_files import test_case

OK_FORMAT = False

name = "sawtooth_q4"
points = 2

@test_case(points=None, hidden=False)
def test_deep_net_runs(deep_sawtooth_net):
    from autograder.assignments.sawtooth.public import deep_net_runs
    deep_net_runs(deep_sawtooth_net)

