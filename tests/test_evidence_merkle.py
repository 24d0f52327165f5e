"""The custody log's Merkle tree against the published RFC 6962 test vectors.

The leaves, roots and proofs below are Certificate Transparency's reference vectors (the Go
``merkle`` package's ``log_verifier_test.go``, also in CT's Python ``merkle_test.py``), written out
here by hand; in those files leaf indices count from 1, here from 0.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.evidence.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    RunningRoot,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
INCLUSION = [  # (index from 0, tree size, proof)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (size 1, size 2, proof)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


@pytest.fixture
def tree() -> MemoryTree:
    built = MemoryTree()
    for leaf in LEAVES:
        built.append(leaf_hash(leaf))
    return built


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MemoryTree().root() == EMPTY_ROOT


def test_roots_for_every_size_match_the_published_vectors(tree: MemoryTree) -> None:
    running = RunningRoot()
    for size, expected in enumerate(ROOTS, start=1):
        assert tree.root(size) == expected
        running.append(leaf_hash(LEAVES[size - 1]))
        assert running.root() == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(tree: MemoryTree, index: int, size: int,
                                                      proof: list[str]) -> None:
    made = inclusion_proof(index, size, tree.source)
    assert [p.hex() for p in made] == proof
    leaf = leaf_hash(LEAVES[index])
    assert verify_inclusion(index, size, leaf, made, ROOTS[size - 1])
    # and the verifier refuses the usual forgeries
    assert not verify_inclusion(index + 1, size, leaf, made, ROOTS[size - 1])
    assert not verify_inclusion(index, size * 2, leaf, made, ROOTS[size - 1])
    assert not verify_inclusion(index, size, leaf_hash(b"WrongLeaf"), made, ROOTS[size - 1])
    assert not verify_inclusion(index, size, leaf, [*made, ROOTS[size - 1]], ROOTS[size - 1])
    assert not verify_inclusion(index, size, leaf, made[:-1], ROOTS[size - 1])
    for i in range(len(made)):
        bent = list(made)
        bent[i] = EMPTY_ROOT
        assert not verify_inclusion(index, size, leaf, bent, ROOTS[size - 1])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(tree: MemoryTree, size1: int, size2: int,
                                                        proof: list[str]) -> None:
    made = consistency_proof(size1, size2, tree.source)
    assert [p.hex() for p in made] == proof
    root1, root2 = ROOTS[size1 - 1], ROOTS[size2 - 1]
    assert verify_consistency(size1, size2, root1, root2, made)
    assert not verify_consistency(size1, size2, root2, root1, made)
    assert not verify_consistency(size1 + 1, size2, root1, root2, made)
    assert not verify_consistency(size1, size2, root1, root2, made[:-1])
    assert not verify_consistency(size1, size2, root1, root2, [*made, root1])
    assert not verify_consistency(size1, size2, root1, root2, [])


def test_trivial_and_time_travelling_consistency() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(1, 1, ROOTS[0], ROOTS[0], [])
    assert not verify_consistency(1, 1, ROOTS[0], ROOTS[1], [])
    assert not verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])
    assert not verify_consistency(1, 2, ROOTS[0], ROOTS[1], [])
    assert not verify_consistency(1, 1, ROOTS[0], ROOTS[0], [EMPTY_ROOT])


def naive_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written directly from its definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_proof_verifies_for_any_size(n: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(n)]
    built = MemoryTree()
    for leaf in leaves:
        built.append(leaf_hash(leaf))
    size = data.draw(st.integers(min_value=1, max_value=n))
    assert built.root(size) == naive_root(leaves[:size])
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(index, size, built.source)
    assert verify_inclusion(index, size, leaf_hash(leaves[index]), proof, built.root(size))
    old = data.draw(st.integers(min_value=1, max_value=size))
    assert verify_consistency(old, size, built.root(old), built.root(size),
                              consistency_proof(old, size, built.source))
