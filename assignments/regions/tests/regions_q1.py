from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q1"
points = 1

@test_case(points=None, hidden=False)
def test_pattern_hand(activation_pattern):
    from autograder.assignments.regions.public import pattern_hand
    pattern_hand(activation_pattern)

