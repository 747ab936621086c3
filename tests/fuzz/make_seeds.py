#!/usr/bin/env python3
"""make_seeds.py: the seed corpora of cluster_wire_fuzz and ledger_codec_fuzz
(tests/fuzz/corpus/), written from the formats in cluster/cluster_int.h and
agent/ledger_codec.c. Re-run after a format change:
    python3 tests/fuzz/make_seeds.py tests/fuzz/corpus
"""
import os
import struct
import sys

MAGIC, VERSION = 0x53525243, 1
HELLO, DIGEST, DELTA, MERGED, RECORD, EXCLUDE, HEARTBEAT = 1, 2, 3, 4, 5, 6, 7


def hdr(typ, payload, version=VERSION, flags=0, epoch=0x15b26ce5b5, sender=1):
    return struct.pack('>IBBHQII', MAGIC, version, flags, typ, epoch, sender,
                       len(payload)) + payload


def hello(version=1, digest=b'\x11' * 32):
    return struct.pack('>HH', version, len(digest)) + digest


def s(text):
    b = text.encode()
    return struct.pack('>H', len(b)) + b


def record(epoch, node, seq, status, lpar, src, dst, code='', msg=''):
    body = struct.pack('>QIIBIIIIQQQ', epoch, node, seq, status, 7, 1, 1, 0,
                       epoch, 1764820000000, 1764820005000)
    body += s(lpar) + s(src) + s(dst) + s(code) + s(msg)
    return struct.pack('>H', len(body)) + body


def records(recs):
    return struct.pack('>BBI', 1, 1, len(recs)) + b''.join(recs)


def digest(entries):
    out = struct.pack('>BBI', 1, 2, len(entries))
    for (epoch, node, seq, status) in entries:
        out += struct.pack('>QIIBIIQQ', epoch, node, seq, status, 1, 0,
                           1764820005000, 0x9e3779b97f4a7c15)
    return out


def main(top):
    cw = os.path.join(top, 'cluster_wire')
    lc = os.path.join(top, 'ledger_codec')
    os.makedirs(cw, exist_ok=True)
    os.makedirs(lc, exist_ok=True)
    seeds = {
        'hello': hdr(HELLO, hello()),
        'hello-next-version': hdr(HELLO, hello(2), version=2),
        'digest-chunk-more': hdr(DIGEST, b'\x00' * 40, flags=1),
        'merged': hdr(MERGED, b''),
        'record': hdr(RECORD, b'\x01\x02\x03'),
        'delta': hdr(DELTA, struct.pack('>II', 2, 4242) + b'\x01\x01'),
        'exclude': hdr(EXCLUDE, struct.pack('>II', 3, 777)),
        'heartbeat': hdr(HEARTBEAT, struct.pack('>Q', 1764820005000)),
    }
    for name, data in seeds.items():   # even first byte: a whole message
        open(os.path.join(cw, name), 'wb').write(b'\x00' + data)
    open(os.path.join(cw, 'hello-payload'), 'wb').write(b'\x01' + hello())
    rr = [record(93248179758, 3, 1, 3, 'a2-lp01', 'p950-a2', 'p950-a1',
                 'HSCLA32F', 'restarted'),
          record(93248179758, 3, 2, 5, 'db01', 'p950-a1', 'p950-b1'),
          record(93248179758, 1, 0x80000001, 6, '', '', 'root', 'pause',
                 'firmware update')]
    lseeds = {
        'records': b'\x00' + records(rr),
        'records-empty': b'\x00' + records([]),
        'digest': b'\x01' + digest([(93248179758, 3, 1, 3),
                                    (93248179758, 3, 2, 5)]),
    }
    for name, data in lseeds.items():
        open(os.path.join(lc, name), 'wb').write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'corpus')
