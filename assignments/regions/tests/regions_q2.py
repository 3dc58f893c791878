from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q2"
points = 3

@test_case(points=None, hidden=False)
def test_count_hand(count_regions_1d):
    from autograder.assignments.regions.public import count_hand
    count_hand(count_regions_1d)

