# finalize.py: the Python peer of bench/finalize.tas (6 million instances with a
# finalizer, each dropped four iterations after it was made). Same operations in
# the same order; prints the same line. The finalizer is __del__, which CPython
# runs as Tessera runs op_del: as soon as the last reference goes, here inside the
# store into pool (reference counting), before the next statement.
# Differences: the last four instances are still in pool when main returns; Tessera
# releases them without their finalizers (docs/semantics.md section 23.8), CPython
# runs their __del__ after the print, so the printed total is the same.

total = 0


class Node:
    def __init__(self, v):
        self.v = v

    def __del__(self):
        global total
        total = total + self.v * 3 + 1


def main():
    global total
    total = 0
    pool = [None, None, None, None]
    n = 6000000
    reads = 0
    for i in range(n):
        pool[i & 3] = Node(i)
        if i & 63 == 0:
            reads = reads + pool[0].v
    print("finalize n=" + str(n) + " total=" + str(total) + " reads=" + str(reads))


if __name__ == "__main__":
    main()
