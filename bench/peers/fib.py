# fib.py: the Python peer of bench/fib.tas (recursive fib(32), computed 6 times).
# Same algorithm and operations in the same order; prints the same line.
# Differences: fib is a module-level function, so each recursive call looks its
# name up in the module globals (LOAD_GLOBAL), where the .tas pushes the function
# as a constant (push_func).


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    last = 0
    total = 0
    for rep in range(6):
        last = fib(32)
        total = last + total
    print("fib(32)=" + str(last) + " sum=" + str(total))


if __name__ == "__main__":
    main()
