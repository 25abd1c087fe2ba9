"""The ledger's Merkle tree: roots and proofs at every size it has had, checked by the standalone verifier."""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.merkle import MerkleTree
from infra.verifier import leaf_hash, root_hash, verify_consistency, verify_inclusion

VECTORS = json.loads((Path(__file__).parent / "vectors/rfc6962.json").read_text())
LARGEST = 70
LEAVES = [leaf_hash(n.to_bytes(2, "big")) for n in range(LARGEST)]
TREE = MerkleTree(LEAVES)
ROOTS = [root_hash(LEAVES[:size]) for size in range(LARGEST + 1)]


def test_the_root_at_every_size_is_the_root_of_that_prefix() -> None:
    assert [TREE.root(size) for size in range(LARGEST + 1)] == ROOTS
    assert TREE.root() == ROOTS[LARGEST]


def test_a_tree_grown_one_leaf_at_a_time_has_the_root_of_its_leaves() -> None:
    tree = MerkleTree()
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert (tree.size, tree.root()) == (size, ROOTS[size])


@pytest.mark.parametrize("size", range(1, LARGEST + 1))
def test_every_inclusion_proof_verifies_and_only_for_its_own_leaf(size: int) -> None:
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)

        assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])
        assert not verify_inclusion(LEAVES[index], (index + 1) % size or size, size, proof, ROOTS[size])
        assert not verify_inclusion(LEAVES[(index + 1) % LARGEST], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("new_size", range(1, LARGEST + 1))
def test_every_consistency_proof_verifies(new_size: int) -> None:
    for old_size in range(new_size + 1):
        proof = TREE.consistency_proof(old_size, new_size)

        assert verify_consistency(old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof), old_size
        if 0 < old_size < new_size:
            assert not verify_consistency(old_size, new_size, ROOTS[old_size - 1], ROOTS[new_size], proof)


def test_a_proof_is_logarithmic_in_the_tree_size() -> None:
    assert max(len(TREE.inclusion_proof(index, LARGEST)) for index in range(LARGEST)) == 7
    assert max(len(TREE.consistency_proof(old, LARGEST)) for old in range(LARGEST)) <= 2 * 7


VECTOR_LEAVES = [leaf_hash(bytes.fromhex(text)) for text in VECTORS["leaf_inputs_hex"]]
VECTOR_TREE = MerkleTree(VECTOR_LEAVES)


@pytest.mark.parametrize("proof", VECTORS["inclusion_proofs"], ids=repr)
def test_inclusion_proofs_reproduce_the_rfc_6962_vectors(proof: dict[str, object]) -> None:
    made = VECTOR_TREE.inclusion_proof(proof["leaf_index"], proof["tree_size"])  # type: ignore[arg-type]

    assert [h.hex() for h in made] == proof["audit_path_hex"]


@pytest.mark.parametrize("proof", VECTORS["consistency_proofs"], ids=repr)
def test_consistency_proofs_reproduce_the_rfc_6962_vectors(proof: dict[str, object]) -> None:
    made = VECTOR_TREE.consistency_proof(proof["old_size"], proof["new_size"])  # type: ignore[arg-type]

    assert [h.hex() for h in made] == proof["proof_hex"]


def test_the_vector_roots_are_reproduced_at_every_size() -> None:
    assert [VECTOR_TREE.root(size).hex() for size in range(9)] == VECTORS["root_hash_by_tree_size_hex"]


def test_a_large_tree_has_the_root_of_its_leaves() -> None:
    leaves = [hashlib.sha256(n.to_bytes(4, "big")).digest() for n in range(100_000)]
    tree = MerkleTree()

    tree.extend(leaves)

    assert tree.root() == root_hash(leaves)
    assert tree.root(65_537) == root_hash(leaves[:65_537])
    assert verify_inclusion(
        leaves[99_999], 99_999, 100_000, tree.inclusion_proof(99_999, 100_000), tree.root()
    )


def test_a_leaf_is_read_back_by_its_index() -> None:
    assert [TREE.leaf(index) for index in range(LARGEST)] == LEAVES


@pytest.mark.parametrize(
    ("ask", "complaint"),
    [
        (lambda: TREE.root(LARGEST + 1), "size 71 is out of range: the tree has 70 leaves"),
        (lambda: TREE.root(-1), "size -1 is out of range"),
        (lambda: TREE.leaf(LARGEST), "leaf index 70 is out of range for a tree of 70 leaves"),
        (lambda: TREE.inclusion_proof(5, 5), "leaf index 5 is out of range for a tree of 5 leaves"),
        (lambda: TREE.inclusion_proof(-1, 5), "leaf index -1 is out of range"),
        (lambda: TREE.inclusion_proof(0, LARGEST + 1), "size 71 is out of range"),
        (lambda: TREE.consistency_proof(6, 5), "old size 6 must be between 0 and the new size 5"),
        (lambda: TREE.consistency_proof(-1, 5), "old size -1 must be between 0"),
        (lambda: TREE.consistency_proof(0, LARGEST + 1), "size 71 is out of range"),
        (lambda: MerkleTree().append(b"short"), "a leaf hash is 32 bytes"),
        (lambda: MerkleTree().append(LEAVES[0].hex()), "a leaf hash is 32 bytes"),  # type: ignore[arg-type]
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_out_of_range_argument_is_refused_saying_why(ask: Callable[[], object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        ask()


def test_an_empty_tree_has_the_empty_root_and_no_proofs() -> None:
    tree = MerkleTree()

    assert (tree.size, tree.root()) == (0, hashlib.sha256(b"").digest())
    assert tree.consistency_proof(0, 0) == []


@pytest.mark.parametrize("chunks", [[1, 1, 1], [3, 5, 8], [7, 1, 24, 2], [64], [0, 5, 0, 6]])
def test_extending_in_chunks_builds_the_same_tree_as_appending_one_by_one(chunks: list[int]) -> None:
    grown, extended, start = MerkleTree(), MerkleTree(), 0
    for count in chunks:
        for leaf in LEAVES[start : start + count]:
            grown.append(leaf)
        extended.extend(LEAVES[start : start + count])
        start += count
        assert extended.size == grown.size
        assert all(extended.root(n) == grown.root(n) for n in range(1, grown.size + 1))
    for index in range(start):
        assert extended.inclusion_proof(index, start) == grown.inclusion_proof(index, start)


def test_extending_with_a_bad_leaf_changes_nothing() -> None:
    tree = MerkleTree(LEAVES[:3])
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend([LEAVES[3], b"short"])
    assert tree.size == 3
