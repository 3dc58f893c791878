from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q4"
points = 2

@test_case(points=None, hidden=False)
def test_distance_hand(distance_to_boundary):
    from autograder.assignments.regions.public import distance_hand
    distance_hand(distance_to_boundary)

