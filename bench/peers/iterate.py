# iterate.py: the Python peer of bench/iterate.tas (15,000 rounds, each walking an
# array of 1,000 ints, a range of 1,000 ints, the keys of a dict of 100 int keys and
# a string of 84 bytes with for loops; the array rotated by one element per round).
# Same operations in the same order; prints the same line.


def main():
    a = []
    for v in range(1000):
        a.append(v)
    m = {}
    for k in range(100):
        m[k] = k * 3
    s = "banana and apple and an avocado and a papaya and a pear and again a banana or two ok"
    total_a = 0
    total_r = 0
    total_m = 0
    total_s = 0
    for rnd in range(15000):
        for v in a:
            total_a = v + total_a
        for v in range(1000):
            total_r = v * v % 1000 + total_r
        for k in m:
            total_m = m[k] + total_m
        for c in s:
            if c == "a":
                total_s = total_s + 1
        a.append(a.pop(0))
    print("iterate rounds=15000 array=" + str(total_a) + " range=" + str(total_r)
          + " map=" + str(total_m) + " string=" + str(total_s))


if __name__ == "__main__":
    main()
