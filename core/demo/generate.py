def generate_demo(**kwargs):
    raise NotImplementedError
