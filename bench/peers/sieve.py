# sieve.py: the Python peer of bench/sieve.tas (the sieve of Eratosthenes over
# 1,000,000 bools, 10 times). Same operations in the same order: the flags are
# built by appending, composites struck from i * i, then primes counted and summed.
# Prints the same line.


def main():
    n = 1000000
    total = 0
    count = 0
    reps = 0
    while reps < 10:
        flags = []
        for i in range(n):
            flags.append(True)
        i = 2
        while i * i < n:
            if flags[i]:
                for j in range(i * i, n, i):
                    flags[j] = False
            i = i + 1
        count = 0
        for i in range(2, n):
            if flags[i]:
                count = count + 1
                total = total + i
        reps = reps + 1
    print("sieve n=" + str(n) + " reps=" + str(reps) + " primes=" + str(count)
          + " sum=" + str(total))


if __name__ == "__main__":
    main()
