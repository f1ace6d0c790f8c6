# methods.py: the Python peer of bench/methods.tas (method calls on instances of a
# small class hierarchy in a hot loop, a class whose instance changes class every
# 4096 iterations, and one class mutation half-way through). Same classes,
# methods and attributes, same operations in the same order; prints the same line.
# The instances are rendered as Tessera renders them (docs/semantics.md section
# 23.6): the class name, then the own attributes in the order they were first
# stored, as "name: value"; __str__ does that from the instance's __dict__, which
# keeps that order. set_class is an assignment to __class__; the class mutation an
# assignment to a class attribute.


class Shape:
    weight = 3
    scale = 7

    def __init__(self, w, h):
        self.w = w
        self.h = h
        self.n = 0

    def area(self):
        return 0

    def grow(self, d):
        self.w = (self.w + d) & 1023
        self.n = self.n + 1
        return self.w

    def __str__(self):
        return (type(self).__name__ + "{"
                + ", ".join(k + ": " + repr(v) for k, v in self.__dict__.items()) + "}")


class Rect(Shape):
    def area(self):
        return self.w * self.h


def rect_grow(self, d):
    """Rect.grow, installed on Rect half-way through: grows h instead of w."""
    self.h = (self.h + d) & 1023
    self.n = self.n + 1
    return self.h


class Tri(Shape):
    weight = 5

    def area(self):
        return (self.w * self.h) >> 1


def main():
    mask = 1048575
    r = Rect(3, 4)
    t = Tri(5, 6)
    shapes = [r, t]
    m = Rect(1, 9)
    m_is_tri = False
    n = 2400000
    half = n // 2
    acc = 1
    total = 0
    for i in range(n):
        if i == half:
            Rect.grow = rect_grow
        acc = (acc + r.area()) & mask
        acc = (acc + r.grow(i & 7)) & mask
        s = shapes[i & 1]
        acc = (acc * s.weight + s.area()) & mask
        s.h = (s.h + 1) & 255
        acc = acc ^ Shape.scale
        m.w = i & 63
        acc = (acc + m.area()) & mask
        if i & 4095 == 4095:
            if m_is_tri:
                cls = Rect
                m_is_tri = False
            else:
                cls = Tri
                m_is_tri = True
            m.__class__ = cls
        total = total + acc
    print("methods n=" + str(n) + " acc=" + str(acc) + " sum=" + str(total)
          + " r=" + str(r) + " t=" + str(t) + " m=" + str(m))


if __name__ == "__main__":
    main()
