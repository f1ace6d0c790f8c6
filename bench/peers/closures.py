# closures.py: the Python peer of bench/closures.tas (two closures that share
# captured variables, called in a hot loop). Same operations in the same order;
# prints the same line. total and count are cells (nonlocal variables): acc
# captures both (the .tas captures an array of the two cells), tick captures count,
# so each sees the other's writes.


def main():
    n = 4000000
    total = 0
    count = 0

    def acc(x):
        nonlocal total, count
        s = (total + x) & 1048575
        total = s
        count = count + 1
        return s

    def tick():
        nonlocal count
        c = count + 1
        count = c
        return c

    chk = 0
    for i in range(n):
        chk = (chk * 31 + acc(i * 3 + (i & 7)) + tick()) & 1048575
    print("closures n=" + str(n) + " sum=" + str(total) + " count=" + str(count)
          + " chk=" + str(chk))


if __name__ == "__main__":
    main()
