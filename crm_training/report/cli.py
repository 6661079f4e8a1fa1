"""Command-line entry (being built): ``add_arguments(parser)`` and ``run(args) -> exit code``."""


def add_arguments(parser):
    pass


def run(args) -> int:
    raise NotImplementedError
