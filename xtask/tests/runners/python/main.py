# Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
from runner import main


def run(params):
    m = params.int("m")
    i = params.iteration
    return f"unit {i if m == 0 else i % m}" + ("\n" if params.int("nl") == 1 else "")


if __name__ == "__main__":
    main(run)
