"""The RFC 6962 / RFC 9162 Merkle tree (Certificate Transparency), over stored subtree hashes.

Leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``; the tree of
``n`` leaves splits at the largest power of two below ``n``. Every *complete* subtree (``2**level``
leaves starting at ``idx * 2**level``) is stored once when its last leaf is appended, so a root,
an inclusion proof or a consistency proof needs only O(log n) stored hashes, fetched in one batch
through a :data:`NodeSource`. Proof *verification* follows RFC 9162 §2.1.3.2 and §2.1.4.2 and
needs nothing stored: an examiner's tool can do it from the proof alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

NodeKey = tuple[int, int]  # (level, index)
NodeSource = Callable[[list[NodeKey]], dict[NodeKey, bytes]]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def pieces(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees, left to right, that make up leaves ``[start, end)`` of a subtree
    that starts at a multiple of a power of two at least as large as ``end - start``."""
    out: list[NodeKey] = []
    pos, remaining = start, end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def fold(hashes: list[bytes]) -> bytes:
    """The hash of a subtree from its complete pieces, left to right (RFC 6962 shape)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _ranges_hashes(ranges: list[tuple[int, int]], source: NodeSource) -> list[bytes]:
    wanted = [pieces(lo, hi) for lo, hi in ranges]
    found = source(sorted({key for group in wanted for key in group}))
    missing = [key for group in wanted for key in group if key not in found]
    if missing:
        raise LookupError(f"the custody log has no stored node {missing[0]} (level, index)")
    return [fold([found[key] for key in group]) for group in wanted]


def root(size: int, source: NodeSource) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return _ranges_hashes([(0, size)], source)[0]


def appended_nodes(index: int, leaf: bytes, source: NodeSource) -> list[tuple[int, int, bytes]]:
    """The complete subtrees that appending leaf hash ``leaf`` at ``index`` completes."""
    trailing = (~index & (index + 1)).bit_length() - 1  # how many low bits of index are 1
    lefts = [(level, (index >> level) - 1) for level in range(trailing)]
    found = source(lefts) if lefts else {}
    out = [(0, index, leaf)]
    current = leaf
    for level, left_idx in lefts:
        current = node_hash(found[(level, left_idx)], current)
        out.append((level + 1, (left_idx + 1) >> 1, current))
    return out


def _path(m: int, lo: int, hi: int) -> list[tuple[int, int]]:
    if hi - lo == 1:
        return []
    k = _split(hi - lo)
    if m - lo < k:
        return [*_path(m, lo, lo + k), (lo + k, hi)]
    return [*_path(m, lo + k, hi), (lo, lo + k)]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """RFC 6962 PATH(index, D[size])."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _ranges_hashes(_path(index, 0, size), source)


def _subproof(m: int, lo: int, hi: int, whole: bool) -> list[tuple[int, int]]:
    n = hi - lo
    if m == n:
        return [] if whole else [(lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, whole), (lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, False), (lo, lo + k)]


def consistency_proof(size1: int, size2: int, source: NodeSource) -> list[bytes]:
    """RFC 6962 PROOF(size1, D[size2])."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    return _ranges_hashes(_subproof(size1, 0, size2, True), source)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Iterable[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2; ``leaf`` is the leaf *hash*."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if size1 > size2 or size1 < 0:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


class MemoryTree:
    """The same tree in a dict: for tests, benchmarks and checking a pack with no database."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, bytes] = {}
        self.size = 0

    def source(self, keys: list[NodeKey]) -> dict[NodeKey, bytes]:
        return {key: self.nodes[key] for key in keys if key in self.nodes}

    def append(self, leaf: bytes) -> None:
        """Append a leaf hash."""
        for level, idx, value in appended_nodes(self.size, leaf, self.source):
            self.nodes[(level, idx)] = value
        self.size += 1

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.source)


class RunningRoot:
    """The root of a growing tree from its leaf hashes alone, in O(log n) memory (for verify)."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        level, current = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            current = node_hash(left, current)
            level += 1
        self._stack.append((level, current))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return fold([h for _, h in self._stack])
