#!/usr/bin/env python3
"""guide_blocks.py: the tested blocks of a Markdown guide.

A block is tested when the line before its opening fence is a marker:

    <!-- guide:file NAME -->              a configuration file, NAME
    <!-- guide:run HOST [expect=N] [TAG] -->  commands run on HOST; the
                                          block must exit N (default 0)

  guide_blocks.py DOC list      one line per block: INDEX KIND ARG [expect=N] [TAG]
  guide_blocks.py DOC get INDEX the block's text

A marker not followed by a fenced block, or a fence that does not close,
is an error (exit 2): the guide would say more than the test runs.
"""
import re
import sys

MARK = re.compile(r'^<!-- guide:(file|run) ([^ ]+)((?: [^ ]+)*) -->$')


def blocks(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i].strip())
        if not m:
            if lines[i].lstrip().startswith('<!-- guide:'):
                sys.exit('%s:%d: malformed marker' % (path, i + 1))
            i += 1
            continue
        fence = lines[i + 1].strip() if i + 1 < len(lines) else ''
        if not fence.startswith('```'):
            sys.exit('%s:%d: marker without a fenced block' % (path, i + 1))
        j = i + 2
        body = []
        while j < len(lines) and lines[j].strip() != '```':
            body.append(lines[j])
            j += 1
        if j == len(lines):
            sys.exit('%s:%d: fence never closed' % (path, i + 2))
        out.append((m.group(1), m.group(2), m.group(3).split(),
                    '\n'.join(body) + '\n'))
        i = j + 1
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    b = blocks(sys.argv[1])
    if sys.argv[2] == 'list':
        for n, (kind, arg, extra, _) in enumerate(b, 1):
            print(' '.join([str(n), kind, arg] + extra))
    elif sys.argv[2] == 'get' and len(sys.argv) == 4:
        sys.stdout.write(b[int(sys.argv[3]) - 1][3])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
