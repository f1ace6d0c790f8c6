# exceptions.py: the Python peer of bench/exceptions.tas (4 million iterations,
# each with two calls in try blocks: a floor division by zero every 16th call,
# caught, and a value raised every 8th call, caught). Same operations in the same
# order; prints the same line.
# Differences: Python can only raise exception objects, so check raises
# Raised(x), an exception that carries the value, where the .tas raises the int x
# itself; and a caught ZeroDivisionError adds DIVISION_BY_ZERO, the code (2) that
# Tessera's handler receives, so that zeros is the same sum.

DIVISION_BY_ZERO = 2


class Raised(Exception):
    def __init__(self, value):
        self.value = value


def ratio(a, b):
    return a // b


def check(x):
    if x % 8 == 5:
        raise Raised(x)
    return x & 255


def main():
    code = DIVISION_BY_ZERO
    n = 4000000
    acc = 0
    zeros = 0
    raised = 0
    for i in range(n):
        try:
            acc = acc + ratio(i * 7 + 3, i % 16)
        except ZeroDivisionError:
            zeros = zeros + code
        try:
            acc = acc + check(i)
        except Raised as e:
            raised = raised + e.value
    print("exceptions n=" + str(n) + " acc=" + str(acc) + " zeros=" + str(zeros // 2)
          + " raised=" + str(raised))


if __name__ == "__main__":
    main()
