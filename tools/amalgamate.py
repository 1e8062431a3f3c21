#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate single_include/pulse/pulse.hpp from include/pulse/ (Python 3, stdlib only).

    python3 tools/amalgamate.py            # regenerate the committed single header
    python3 tools/amalgamate.py --check    # regenerate to a temp file, fail if it differs

Starting at the umbrella include/pulse/pulse.hpp, every `#include <pulse/...>` (or a quoted
include that resolves under include/) is replaced by the text of that header, at the place it is
first included -- the order the preprocessor itself would see, so every header comes after what it
depends on. Later includes of the same header are dropped (replaced by a marker comment). System,
standard and Boost includes are left exactly as written. Adapters (adapters/) are not part of the
umbrella and never inlined.

The output is deterministic: it depends only on the header texts (no date, no commit id), so CI can
regenerate it and diff it against the committed copy (--check).

A first include of a pulse header inside a preprocessor conditional (other than the file's include
guard) is refused: inlining it in one branch and dropping it elsewhere would change the meaning.
The one exception is a compiled-mode block (`#if PULSE_DETAIL_COMPILED`, pulse/detail/compiled.hpp):
the headers it includes are inlined just before the block, unconditionally. They are part of the
umbrella anyway, so the single header holds the same text in either mode; only their place moves.
"""

import argparse
import difflib
import os
import re
import sys
import tempfile

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
IF_RE = re.compile(r'^\s*#\s*(if|ifdef|ifndef)\b')
COMPILED_IF_RE = re.compile(r'^\s*#\s*if\s+PULSE_DETAIL_COMPILED\s*$')
ENDIF_RE = re.compile(r'^\s*#\s*endif\b')
GUARD_IFNDEF_RE = re.compile(r'^\s*#\s*ifndef\s+(\w+)\s*$')
GUARD_DEFINE_RE = re.compile(r'^\s*#\s*define\s+(\w+)\s*$')
VERSION_RE = re.compile(r'^\s*#\s*define\s+PULSE_VERSION_STRING\s+"([^"]+)"', re.M)

UMBRELLA = 'pulse/pulse.hpp'
OUTPUT = os.path.join('single_include', 'pulse', 'pulse.hpp')


class AmalgamationError(Exception):
    pass


def read_text(path):
    with open(path, 'r', encoding='utf-8', newline='') as f:
        text = f.read()
    return text.replace('\r\n', '\n')


def has_include_guard(lines):
    """True when the first directive is `#ifndef X` followed by `#define X` (a classic guard)."""
    directives = [l for l in lines if l.lstrip().startswith('#')]
    if len(directives) < 2:
        return False
    m1 = GUARD_IFNDEF_RE.match(directives[0])
    m2 = GUARD_DEFINE_RE.match(directives[1])
    return bool(m1 and m2 and m1.group(1) == m2.group(1))


class Amalgamator:
    def __init__(self, include_dir):
        self.include_dir = os.path.abspath(include_dir)
        self.done = set()      # headers already inlined (relative names like pulse/error.hpp)
        self.active = []       # include stack, for cycle reports
        self.order = []        # headers in the order they were inlined

    def resolve(self, kind, name, current):
        """The pulse-relative name of an include if it lives under include/, else None."""
        candidates = []
        if kind == '"':
            candidates.append(os.path.normpath(os.path.join(os.path.dirname(current), name)))
        candidates.append(os.path.normpath(os.path.join(self.include_dir, name)))
        for c in candidates:
            rel = os.path.relpath(c, self.include_dir)
            if rel.startswith('..'):
                continue
            if os.path.isfile(c):
                return rel.replace(os.sep, '/')
            if rel.startswith('pulse/') or rel.startswith('pulse' + os.sep):
                raise AmalgamationError('%s includes <%s>, which does not exist under %s'
                                        % (current, name, self.include_dir))
        return None

    def hoist_block_includes(self, lines, start, path):
        """The expansions of the pulse headers first included inside the conditional block that
        starts at lines[start] (a compiled-mode block)."""
        out, depth = [], 0
        for line in lines[start:]:
            if IF_RE.match(line):
                depth += 1
            elif ENDIF_RE.match(line):
                depth -= 1
                if depth == 0:
                    break
            m = INCLUDE_RE.match(line)
            if m:
                target = self.resolve(m.group(1), m.group(2), path)
                if target is not None and target not in self.done:
                    out.extend(self.expand(target))
        return out

    def expand(self, rel):
        if rel in self.active:
            raise AmalgamationError('include cycle: ' + ' -> '.join(self.active + [rel]))
        path = os.path.join(self.include_dir, rel)
        lines = read_text(path).split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        guarded = has_include_guard(lines)
        self.active.append(rel)
        self.done.add(rel)
        self.order.append(rel)
        out = ['// ---- begin file %s' % rel]
        depth = 0
        for i, line in enumerate(lines):
            if COMPILED_IF_RE.match(line):
                out.extend(self.hoist_block_includes(lines, i, path))
            if IF_RE.match(line):
                depth += 1
            elif ENDIF_RE.match(line):
                depth -= 1
            m = INCLUDE_RE.match(line)
            if m:
                target = self.resolve(m.group(1), m.group(2), path)
                if target is not None:
                    if target in self.done:
                        out.append('// #include <%s> (already included above)' % target)
                        continue
                    if depth > (1 if guarded else 0):
                        raise AmalgamationError(
                            '%s: #include <%s> inside a preprocessor conditional; the amalgamation '
                            'cannot inline it safely (move it out of the #if)' % (rel, m.group(2)))
                    out.extend(self.expand(target))
                    continue
            out.append(line)
        out.append('// ---- end file %s' % rel)
        self.active.pop()
        return out


def generate(root):
    include_dir = os.path.join(root, 'include')
    umbrella = os.path.join(include_dir, UMBRELLA)
    if not os.path.isfile(umbrella):
        raise AmalgamationError('umbrella header %s not found' % umbrella)
    m = VERSION_RE.search(read_text(os.path.join(include_dir, 'pulse', 'version.hpp')))
    if not m:
        raise AmalgamationError('PULSE_VERSION_STRING not found in include/pulse/version.hpp')
    version = m.group(1)
    a = Amalgamator(include_dir)
    body = a.expand(UMBRELLA)
    head = [
        '// pulse-cpp %s -- single-header distribution.' % version,
        '// SPDX-License-Identifier: MIT',
        '//',
        '// GENERATED FILE, DO NOT EDIT. Generated by tools/amalgamate.py from include/pulse/pulse.hpp',
        '// and the %d headers it includes (pulse-cpp version %s). Edit the headers under include/ and'
        % (len(a.order) - 1, version),
        '// run `python3 tools/amalgamate.py`; CI checks this file is up to date (--check).',
        '//',
        '// Needs Boost >= 1.81 (Boost.JSON and Boost.URL, linked: -lboost_json -lboost_url) and C++20.',
        '// The adapters (e.g. the libcurl one) are not in this file; they ship as separate headers.',
        '',
    ]
    unreached = []
    for dirpath, _, files in os.walk(os.path.join(include_dir, 'pulse')):
        for f in files:
            if f.endswith('.hpp'):
                rel = os.path.relpath(os.path.join(dirpath, f), include_dir).replace(os.sep, '/')
                if rel not in a.done:
                    unreached.append(rel)
    return '\n'.join(head + body) + '\n', sorted(unreached)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--root', default=os.path.dirname(here), help='source tree (default: this checkout)')
    p.add_argument('--output', help='where to write (default: <root>/%s)' % OUTPUT)
    p.add_argument('--check', action='store_true',
                   help='regenerate to a temp file and fail if it differs from the committed copy')
    args = p.parse_args()
    root = os.path.abspath(args.root)
    target = os.path.abspath(args.output or os.path.join(root, OUTPUT))
    shown = os.path.relpath(target, root)
    if shown.startswith('..'):
        shown = target
    try:
        text, unreached = generate(root)
    except AmalgamationError as e:
        print('amalgamate: error: %s' % e, file=sys.stderr)
        return 2
    for u in unreached:
        print('amalgamate: warning: include/%s is not reachable from include/%s and is not in the '
              'single header' % (u, UMBRELLA), file=sys.stderr)

    if args.check:
        with tempfile.NamedTemporaryFile('w', encoding='utf-8', newline='\n', suffix='.hpp',
                                         delete=False) as tmp:
            tmp.write(text)
            tmp_name = tmp.name
        try:
            fresh = read_text(tmp_name)
            if not os.path.isfile(target):
                print('amalgamate --check: FAILED: %s does not exist; run `python3 tools/amalgamate.py` '
                      'and commit it' % shown, file=sys.stderr)
                return 1
            committed = read_text(target)
            if committed != fresh:
                diff = list(difflib.unified_diff(committed.split('\n'), fresh.split('\n'),
                                                 'committed/' + shown,
                                                 'regenerated', lineterm='', n=2))
                print('amalgamate --check: FAILED: %s is out of date with include/ (%d diff lines).\n'
                      'Run `python3 tools/amalgamate.py` and commit the result. First differences:'
                      % (shown, len(diff)), file=sys.stderr)
                for line in diff[:40]:
                    print('  ' + line, file=sys.stderr)
                return 1
        finally:
            os.unlink(tmp_name)
        print('amalgamate --check: %s is up to date' % shown)
        return 0

    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    print('amalgamate: wrote %s' % shown)
    return 0


if __name__ == '__main__':
    sys.exit(main())
