"""The ledger's Merkle tree over the global event order, with RFC 9162 roots and proofs at any size.

Hashing and proof checking live in `infra.verifier`, the file an arbitrator runs, so the product and the
arbitrator cannot disagree on them.
"""

from collections.abc import Iterable

from infra.verifier import node_hash, root_hash


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n & (n - 1) == 0


class MerkleTree:
    """An append-only Merkle tree that answers for every size it has had.

    Level k caches the hashes of the aligned complete subtrees of 2^k leaves, so appending costs amortised
    O(1) hashing and a root or proof at any size costs O(log n): only the ragged right edge of the asked
    size is hashed again.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def leaf(self, index: int) -> bytes:
        """The leaf hash at `index`."""
        self._check_index(index, self.size)
        return self._levels[0][index]

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash (32 bytes) at the end."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != 32:
            raise ValueError(f"a leaf hash is 32 bytes, not {leaf_hash!r}")
        node = leaf_hash
        for level in self._levels:
            level.append(node)
            if len(level) % 2:
                return
            # The level just completed a pair: its parent subtree is complete too.
            node = node_hash(level[-2], node)
        self._levels.append([node])

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add leaf hashes at the end, in order.

        Level by level rather than leaf by leaf: this is how whole stores are loaded and verified, and
        a comprehension over a level costs a fraction of a Python call per leaf.
        """
        added = list(leaf_hashes)
        for leaf_hash in added:
            if not isinstance(leaf_hash, bytes) or len(leaf_hash) != 32:
                raise ValueError(f"a leaf hash is 32 bytes, not {leaf_hash!r}")
        self._levels[0].extend(added)
        k = 0
        while len(self._levels[k]) >= 2:
            if k + 1 == len(self._levels):
                self._levels.append([])
            level, parents = self._levels[k], self._levels[k + 1]
            # Level k+1 holds a hash for every complete pair of level k; hash the pairs completed now.
            first = 2 * len(parents)
            parents.extend([node_hash(level[i], level[i + 1]) for i in range(first, len(level) - 1, 2)])
            k += 1

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first `size` leaves (all of them by default)."""
        size = self.size if size is None else size
        self._check_size(size)
        if size == 0:
            return root_hash([])
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 PATH)."""
        self._check_size(size)
        self._check_index(index, size)
        siblings = []
        start = 0
        while size > 1:
            split = _largest_power_of_two_below(size)
            if index < split:
                siblings.append(self._subtree(start + split, size - split))
                size = split
            else:
                siblings.append(self._subtree(start, split))
                start, index, size = start + split, index - split, size - split
        # PATH lists siblings from the leaf up; the loop found them from the root down.
        return siblings[::-1]

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """The proof that the tree of `new_size` leaves extends that of `old_size` (RFC 9162 PROOF).

        Empty when the sizes are equal or `old_size` is 0, as `infra.verifier.verify_consistency` expects.
        """
        self._check_size(new_size)
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old size {old_size} must be between 0 and the new size {new_size}")
        if old_size in (0, new_size):
            return []
        nodes = []
        start, size, is_whole_old_tree = 0, new_size, True
        while old_size != size:
            split = _largest_power_of_two_below(size)
            if old_size <= split:
                nodes.append(self._subtree(start + split, size - split))
                size = split
            else:
                nodes.append(self._subtree(start, split))
                start, old_size, size = start + split, old_size - split, size - split
                is_whole_old_tree = False
        if not is_whole_old_tree:
            # SUBPROOF(m, D[m], false): the verifier cannot know this subtree's hash, so it is given.
            nodes.append(self._subtree(start, size))
        return nodes[::-1]

    def _subtree(self, start: int, size: int) -> bytes:
        """MTH of leaves [start, start + size), reading complete aligned subtrees from the cache."""
        if _is_power_of_two(size) and start % size == 0:
            return self._levels[size.bit_length() - 1][start // size]
        split = _largest_power_of_two_below(size)
        return node_hash(self._subtree(start, split), self._subtree(start + split, size - split))

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is out of range: the tree has {self.size} leaves")

    def _check_index(self, index: int, size: int) -> None:
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves")
