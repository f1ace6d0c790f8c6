#!/usr/bin/env python3
"""check_report_browser.py CHROMIUM PAGE.html OUT.png: opens a campaign's HTML report
(fuzz/report.h) in a real browser, headless, takes a screenshot, and checks that every
plot was drawn: each plot's frame (its y axis, drawn in #999: a tall run of grey
pixels in one column, which series may cross) must have many coloured pixels to its right, which only the drawn series can
make (the legends lie outside the frames). The number of plots is read from the page.
Exit 0 when every plot is drawn; otherwise the problem on stderr and exit 1. Standard
library only: the PNG is decoded here (8-bit RGB or RGBA, not interlaced, as Chromium
writes it)."""
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

WHITE = (255, 255, 255)
MIN_AXIS_RUN = 150            # the y axis is PLOT_H - PLOT_BOTTOM = 216 px tall
MIN_SERIES_PIXELS = 300       # a series across the plot is about 660 px wide


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 255
            elif filt == 2:
                line[i] = (line[i] + b) & 255
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        prev = line
    return rows


def axis_grey(p):
    return p[0] == p[1] == p[2] and 0x80 <= p[0] <= 0xe8  # #999, maybe blended with the white around it


def coloured(p):
    return max(p) - min(p) > 60  # a saturated pixel: not white, grey or black text


def main():
    chromium, page, png = sys.argv[1], sys.argv[2], sys.argv[3]
    want = len(re.findall(r'<svg class="plot"', open(page).read()))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        "--hide-scrollbars", "--window-size=900,2400", f"--screenshot={png}",
                        "file://" + os.path.abspath(page)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    rows = read_png(png)
    height, width = len(rows), len(rows[0])
    # The frames: in the column of the y axes, a tall run of pixels that are not white,
    # mostly axis grey (series that start at the axis cross it in their colours).
    frames = []
    for x in range(width):
        y = 0
        while y < height:
            if rows[y][x] != WHITE:
                top, grey = y, 0
                while y < height and rows[y][x] != WHITE:
                    grey += axis_grey(rows[y][x])
                    y += 1
                if y - top >= MIN_AXIS_RUN and grey >= MIN_AXIS_RUN // 2:
                    frames.append((x, top, y))
            y += 1
        if frames:
            break  # the leftmost such column holds every plot's y axis
    problems = []
    if len(frames) != want:
        problems.append(f"the screenshot shows {len(frames)} plot frames, the page has {want} plots")
    for i, (x, top, bottom) in enumerate(frames):
        n = sum(1 for y in range(top, bottom) for p in rows[y][x + 1:] if coloured(p))
        if n < MIN_SERIES_PIXELS:
            problems.append(f"plot {i + 1} (rows {top}-{bottom}) has {n} coloured pixels: its series were not drawn")
        else:
            print(f"check_report_browser: plot {i + 1}: {n} coloured pixels drawn")
    for p in problems:
        print(f"check_report_browser: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
