# strings.py: the Python peer of bench/strings.tas (string building: 1.2 million
# renderings of ints, a float rendering every 16th iteration, concatenation, len,
# indexing and comparison of one-byte strings). Same operations in the same order;
# prints the same line. str() of a float is Python's repr, the shortest text that
# reads back to the same float: Tessera's to_str is defined to be the same
# (docs/semantics.md section 11).


def main():
    n = 1200000
    acc = ""
    t = ""
    total = 0
    sevens = 0
    semis = 0
    for i in range(n):
        t = str(i * 7919)
        if not i & 15:
            t = t + "/" + str(i / 7)
        acc = acc + t + ";"
        if t[len(t) - 1] == "7":
            sevens = sevens + 1
        if len(acc) >= 1024:
            j = 0
            while j < len(acc):
                if acc[j] == ";":
                    semis = semis + 1
                j = j + 1
            total = total + len(acc)
            acc = ""
    total = total + len(acc)
    print("strings n=" + str(n) + " bytes=" + str(total) + " sevens=" + str(sevens)
          + " semis=" + str(semis) + " last=" + t)


if __name__ == "__main__":
    main()
