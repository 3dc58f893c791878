from otter.test_files import test_case

OK_FORMAT = False

name = "regions_q3"
points = 2

@test_case(points=None, hidden=False)
def test_density_type(region_density):
    from autograder.assignments.regions.public import density_type
    density_type(region_density)

