#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""List the public entities the API reference leaves undocumented (Python 3, stdlib only).

    python3 tools/apidoc_undocumented.py OUT_DIR/xml

Reads Doxygen's XML output (docs/Doxyfile writes it next to the HTML) and prints one line per
public or protected entity that has neither a brief nor a detailed description, then exits 1 if
there was any. Doxygen's own WARN_IF_UNDOCUMENTED does not report enumerators, so this check
covers them, and every other member kind, in the same pass.

Not reported: deleted functions, defaulted destructors (neither has anything to say), members of
private nested types, and data members named with a trailing underscore (the project's private
data; an anonymous union's members show up as public in the XML).
"""

import glob
import os
import sys
import xml.etree.ElementTree as ET


def documented(el):
    for tag in ('briefdescription', 'detaileddescription'):
        d = el.find(tag)
        if d is not None and ''.join(d.itertext()).strip():
            return True
    return False


def undocumented(xml_dir):
    found = set()
    for path in sorted(glob.glob(os.path.join(xml_dir, '*.xml'))):
        if os.path.basename(path) == 'index.xml':
            continue
        for compound in ET.parse(path).getroot().iter('compounddef'):
            if compound.get('prot') == 'private':
                continue
            scope = compound.findtext('compoundname')
            for m in compound.iter('memberdef'):
                if m.get('prot') not in ('public', 'protected'):
                    continue
                name = m.findtext('name') or ''
                args = (m.findtext('argsstring') or '').replace(' ', '')
                loc = m.find('location')
                where = '%s:%s' % (loc.get('file'), loc.get('line')) if loc is not None else scope
                if m.get('kind') == 'enum':
                    for v in m.findall('enumvalue'):
                        if not documented(v):
                            found.add('%s: enumerator %s::%s::%s' % (where, scope, name, v.findtext('name')))
                if documented(m) or '=delete' in args:
                    continue
                if name.startswith('~') and '=default' in args:
                    continue
                if m.get('kind') == 'variable' and name.endswith('_'):
                    continue
                found.add('%s: %s %s::%s%s' % (where, m.get('kind'), scope, name, m.findtext('argsstring') or ''))
    return sorted(found)


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit('usage: apidoc_undocumented.py DOXYGEN_XML_DIR')
    lines = undocumented(sys.argv[1])
    for line in lines:
        print('%s is not documented' % line)
    sys.exit(1 if lines else 0)


if __name__ == '__main__':
    main()
