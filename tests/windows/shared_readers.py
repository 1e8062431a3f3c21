#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print the unit test cases that read the project's ../shared folder, as a doctest filter.

    python3 tests/windows/shared_readers.py tests/unit.list

tools/test-windows.sh leaves these out of the Windows run: nothing there reads outside the
repository. A case reads ../shared when its TEST_CASE block calls shared_path() (tests/schema/
test_util.hpp), or a helper of its file that does (directly or through another helper). Found, not
listed by hand, so a new such case cannot slip in, and none is found once the fixtures live under
tests/data. Output: the cases' names up to their first comma, each followed by '*' (doctest splits
filters on commas), joined by commas.
"""
import os
import re
import sys

HELPER = re.compile(r'^[A-Za-z][^\n;]*?\b(\w+)\([^\n]*\{\n.*?^\}', re.S | re.M)  # a definition at column 0
CASE = re.compile(r'(?=^TEST_CASE\(")', re.M)


def readers(path):
    text = open(path, encoding='utf-8').read()
    bodies = {m.group(1): m.group(0) for m in HELPER.finditer(text)}
    tainted, grew = set(), True
    while grew:
        grew = False
        for name, body in bodies.items():
            if name not in tainted and ('shared_path(' in body or any(re.search(r'\b%s\(' % t, body) for t in tainted)):
                tainted.add(name)
                grew = True
    for block in CASE.split(text)[1:]:
        if 'shared_path(' in block or any(re.search(r'\b%s\(' % t, block) for t in tainted):
            yield re.match(r'TEST_CASE\("([^"]*)"', block).group(1).split(',')[0] + '*'


def main():
    listing = sys.argv[1]
    base = os.path.dirname(listing)
    names = []
    for line in open(listing, encoding='utf-8'):
        rel = line.strip()
        if rel and not rel.startswith('#'):
            names.extend(readers(os.path.join(base, rel)))
    print(','.join(names))


if __name__ == '__main__':
    main()
