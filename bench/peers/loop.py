# loop.py: the Python peer of bench/loop.tas (a tight int loop of 30 million
# iterations). Same operations in the same order; prints the same line.


def main():
    n = 30000000
    acc = 1
    hits = 0
    for i in range(n):
        acc = (acc * 31 + i) & 0xFFFFFF
        if acc & 7 == 0:
            hits = hits + 1
    print("loop " + str(n) + " acc=" + str(acc) + " hits=" + str(hits))


if __name__ == "__main__":
    main()
