# wordfreq.py: the Python peer of bench/wordfreq.tas (4 million words from a linear
# congruential generator counted in a dict with string keys, "the" deleted every
# 65,536 words). Same operations in the same order; prints the same line. words is
# a module global, read in the loop, as the .tas reads it with load_global. The
# common words are the same string objects each time; the others new strings made
# by str() and +, equal by their bytes to earlier keys. A dict keeps insertion
# order and a key stored again after its deletion goes to the end, as a Tessera map.

words = None


def main():
    global words
    words = ["the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
             "as", "was", "with", "be", "by", "on", "not", "he", "i", "this"]
    m = {}
    n = 4000000
    x = 7
    for i in range(n):
        x = (x * 1103515245 + 12345) & 2147483647
        if (x >> 20) & 3 == 0:
            w = words[(x >> 16) % 20]
        else:
            w = "w" + str((x >> 8) % 500)
        if w in m:
            m[w] = m[w] + 1
        else:
            m[w] = 1
        if i & 65535 == 65535 and "the" in m:
            del m["the"]
    print("wordfreq n=" + str(n) + " distinct=" + str(len(m))
          + " the=" + ("true" if "the" in m else "false")
          + " of=" + str(m["of"]) + " w42=" + str(m["w42"]))


if __name__ == "__main__":
    main()
