#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the seed corpus of tests/fuzz/fuzz_virtq.c (its input format is
described at the top of that file): a few well-formed queues, each shape of
chain, and one example of each rule a driver can break, so the fuzzer
starts next to every branch of partitions/parent/virtio/virtq.c.

Usage: tests/fuzz/mkseeds.py [DIR]   (default tests/fuzz/corpus/virtq)
"""
import os
import struct
import sys

REGION1_GPA = 0x100000
FLAG_EVENT, FLAG_SPLIT, FLAG_HOLD = 1, 2, 4
NEXT, WRITE, INDIRECT = 1, 2, 4


class Queue:
    """A child's RAM image with one split virtqueue laid out in it."""

    def __init__(self, size, image_len, desc, avail, used, event=True, split=0,
                 start=0, max_size=None, hold=False):
        self.size, self.desc, self.avail, self.used = size, desc, avail, used
        self.flags = ((FLAG_EVENT if event else 0) | (FLAG_SPLIT if split else 0) |
                      (FLAG_HOLD if hold else 0))
        self.split, self.start = split, start
        self.max_size = size if max_size is None else max_size
        self.img = bytearray(image_len)
        self.writes = []
        self.idx = start
        self.put16(avail + 2, start)
        self.put16(used + 2, start)

    def off(self, gpa):
        """Image offset of a guest-physical address."""
        if self.split and gpa >= REGION1_GPA:
            return gpa - REGION1_GPA + self.split
        return gpa

    def put16(self, gpa, v):
        struct.pack_into("<H", self.img, self.off(gpa), v & 0xffff)

    def put_desc(self, table, i, addr, length, flags=0, nxt=0):
        struct.pack_into("<QIHH", self.img, self.off(table + 16 * i), addr, length, flags, nxt)

    def offer(self, head):
        self.put16(self.avail + 4 + 2 * (self.idx % self.size), head)
        self.idx += 1
        self.put16(self.avail + 2, self.idx)

    def later(self, gpa, v):
        """A driver write the harness applies between rounds."""
        self.writes.append((self.off(gpa), v & 0xffff))

    def offer_later(self, head):
        self.later(self.avail + 4 + 2 * (self.idx % self.size), head)
        self.idx += 1
        self.later(self.avail + 2, self.idx)

    def bytes(self):
        hdr = struct.pack("<HHHHHBBIII", self.size, self.max_size, self.start, len(self.img),
                          self.split, self.flags, 0, self.desc, self.avail, self.used)
        return hdr + bytes(self.img) + b"".join(struct.pack("<HH", o, v) for o, v in self.writes)


def small(**kw):
    """Queue size 16: table at 0, avail ring at 0x100, used ring at 0x200, buffers from 0x400."""
    return Queue(16, 0x800, 0x0, 0x100, 0x200, **kw)


def seeds():
    s = {}

    q = small()
    q.put_desc(q.desc, 0, 0x400, 16, NEXT, 1)
    q.put_desc(q.desc, 1, 0x500, 32, WRITE)
    q.offer(0)
    q.put_desc(q.desc, 2, 0x600, 8, WRITE)
    q.offer_later(2)
    q.later(q.avail + 4 + 2 * 16, 1)  # the driver's used_event
    s["direct"] = q

    q = small(event=False)
    q.put16(q.avail, 1)  # NO_INTERRUPT
    q.put_desc(q.desc, 3, 0x400, 4)
    q.offer(3)
    s["no-event-idx"] = q

    q = small()
    q.put_desc(q.desc, 0, 0x600, 4 * 16, INDIRECT | WRITE)
    q.put_desc(0x600, 0, 0x400, 12, NEXT, 2)
    q.put_desc(0x600, 2, 0x410, 4, NEXT, 1)
    q.put_desc(0x600, 1, 0x420, 16, WRITE | NEXT, 3)
    q.put_desc(0x600, 3, 0x440, 16, WRITE)
    q.offer(0)
    q.put_desc(q.desc, 1, 0x480, 6, NEXT, 2)  # normal descriptors, then a table
    q.put_desc(q.desc, 2, 0x700, 16, INDIRECT)
    q.put_desc(0x700, 0, 0x4c0, 8, WRITE)
    q.offer(1)
    s["indirect"] = q

    # Rings in region 1, buffers in both regions, a gap between them.
    r1 = REGION1_GPA
    q = Queue(8, 0x900, r1, r1 + 0x100, r1 + 0x200, split=0x400)
    q.put_desc(q.desc, 0, 0x10, 32, NEXT, 5)
    q.put_desc(q.desc, 5, r1 + 0x300, 64, WRITE)
    q.offer(0)
    q.put_desc(q.desc, 1, 0x3f0, 16, WRITE)  # the last bytes of region 0
    q.offer(1)
    s["two-regions"] = q

    # Indices about to wrap at 2^16; odd heads come back a round late.
    q = small(start=65534, hold=True)
    for i in range(4):
        q.put_desc(q.desc, i, 0x400 + 0x20 * i, 0x20, WRITE)
        q.offer(i)
    q.offer_later(0)
    s["wrap"] = q

    # A large queue with many chains of mixed shapes.
    q = Queue(256, 0x4000, 0x0, 0x1000, 0x1400, max_size=1024)
    for i in range(0, 96, 3):
        q.put_desc(q.desc, i, 0x2000 + i * 16, 16, NEXT, i + 1)
        q.put_desc(q.desc, i + 1, 0, 0, NEXT, i + 2)  # zero length
        q.put_desc(q.desc, i + 2, 0x3000 + i * 8, 24, WRITE)
        q.offer(i)
    s["many"] = q

    # One example of each rule broken.
    q = small()
    q.put_desc(q.desc, 0, 0x400, 1, NEXT, 1)
    q.put_desc(q.desc, 1, 0x400, 1, NEXT, 0)
    q.offer(0)
    s["bad-loop"] = q

    q = small()
    q.put_desc(q.desc, 0, 0x600, 32, INDIRECT)
    q.put_desc(0x600, 0, 0x600, 32, INDIRECT)
    q.offer(0)
    s["bad-nested-indirect"] = q

    q = small()  # a table that is the descriptor table itself (found by the fuzzer)
    q.put_desc(q.desc, 0, q.desc, 32, INDIRECT)
    q.offer(0)
    s["bad-table-is-desc-table"] = q

    q = small()
    q.put_desc(q.desc, 0, 0x400, 4, WRITE | NEXT, 1)
    q.put_desc(q.desc, 1, 0x410, 4)
    q.offer(0)
    s["bad-read-after-write"] = q

    q = small()
    q.put_desc(q.desc, 0, 0x7f0, 0x20)  # runs off the end of the RAM
    q.offer(0)
    s["bad-buffer"] = q

    q = small()
    q.put16(q.avail + 2, 17)
    s["bad-avail-idx"] = q

    q = small()
    q.offer(16)
    s["bad-head"] = q

    # Odd heads are held: four of them fill a queue of 4, a fifth is one too many.
    q = Queue(4, 0x400, 0x0, 0x100, 0x200, hold=True)
    for i in (1, 3):
        q.put_desc(q.desc, i, 0x300 + 0x10 * i, 0x10, WRITE)
    for head in (1, 3, 1, 3):
        q.offer(head)
    q.offer_later(1)
    s["bad-outstanding"] = q

    s["bad-size"] = Queue(12, 0x400, 0x0, 0x100, 0x200)
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "virtq")
    os.makedirs(out, exist_ok=True)
    for name, q in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(q.bytes())


if __name__ == "__main__":
    main()
