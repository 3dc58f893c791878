from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q2b"
points = 1

@test_case(points=None, hidden=False)
def test_count_speed(count_regions_1d):
    from autograder.assignments.regions.public import count_speed
    count_speed(count_regions_1d)

