# noop workload in Python: the runtime floor (workloads/noop/README.md).
from runner import main


def run(params):
    return f"noop {params.int('n')}\n"


if __name__ == "__main__":
    main(run)
