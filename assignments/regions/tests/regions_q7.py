from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q7"
points = 2

@test_case(points=None, hidden=False)
def test_recover_net_public(recover_net):
    from autograder.assignments.regions.public import recover_net_public
    recover_net_public(recover_net)

