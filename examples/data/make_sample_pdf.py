#!/usr/bin/env python3
"""Write examples/data/sample.pdf: a small, valid one-page PDF (PDF 1.4, Helvetica, correct xref),
written from scratch so the demo and the CLI tests have a real document to upload.

    python3 examples/data/make_sample_pdf.py [OUT]   (default: sample.pdf beside this script)

The output is deterministic: running it again gives the same bytes."""
import os
import sys

LINES = [
    (24, "Quarterly Report - Sample"),
    (12, "This one-page document is the sample of pulse-cpp's quick start."),
    (12, "It is uploaded by `pulse extract` to the local Pulse-compatible server."),
    (12, ""),
    (14, "Revenue by quarter"),
    (12, "Q1   120   Q2   135   Q3   150   Q4   170"),
]


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content_stream():
    out = ["BT", "/F1 24 Tf", "72 720 Td"]
    first = True
    for size, text in LINES:
        if not first:
            out.append("0 -%d Td" % (size + 14))
        first = False
        out.append("/F1 %d Tf" % size)
        out.append("(%s) Tj" % escape(text))
    out.append("ET")
    return ("\n".join(out) + "\n").encode("ascii")


def build():
    stream = content_stream()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Title (pulse-cpp sample) /Producer (examples/data/make_sample_pdf.py) >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n" % (len(objects) + 1)
    pdf += b"0000000000 65535 f \n"
    for off in offsets:
        pdf += b"%010d 00000 n \n" % off
    pdf += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample.pdf")
    data = build()
    with open(out, "wb") as f:
        f.write(data)
    print("%s: %d bytes" % (out, len(data)))


if __name__ == "__main__":
    main()
