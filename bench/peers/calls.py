# calls.py: the Python peer of bench/calls.tas (10 million iterations, each calling
# three small functions with 3 or 4 arguments). Same operations in the same order;
# prints the same line. scale, bias and mask are module globals, read in the loop
# and (mask) again in mix, as the .tas reads them with load_global. Differences: a
# call of a module-level function also looks its name up in the globals, where the
# .tas pushes the function as a constant (push_func).

scale = 0
bias = 0
mask = 0


def mix(acc, i, s, b):
    return (acc * s + i + b) & mask


def add3(a, b, c):
    return a + b + c


def pick(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def main():
    global scale, bias, mask
    scale = 31
    bias = 12345
    mask = 1048575
    n = 10000000
    acc = 1
    total = 0
    for i in range(n):
        acc = mix(acc, i, scale, bias)
        acc = add3(acc, i & 255, scale)
        acc = pick(acc, 1000, mask - 1000)
        total = total + acc
    print("calls n=" + str(n) + " acc=" + str(acc) + " sum=" + str(total))


if __name__ == "__main__":
    main()
