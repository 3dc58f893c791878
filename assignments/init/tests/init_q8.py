from otter.test_files import test_case

OK_FORMAT = False

name = "init_q8"
points = 2

@test_case(points=None, hidden=False)
def test_chi1_types(tanh_q_star, tanh_chi1, tanh_critical_sigma_w2):
    from autograder.assignments.init.public import chi1_types
    chi1_types(tanh_q_star, tanh_chi1, tanh_critical_sigma_w2)

