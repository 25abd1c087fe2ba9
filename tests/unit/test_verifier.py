"""The standalone verifier: RFC 9162 proofs, event leaf bytes, checkpoints, signed notes, proof documents."""

import ast
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import infra.verifier
from infra.merkle import MerkleTree
from infra.signing import SigningKey
from infra.verifier import (
    Checkpoint,
    NoteError,
    check_document,
    event_leaf_bytes,
    event_leaf_hash,
    leaf_hash,
    main,
    node_hash,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    root_hash,
    verifier_key,
    verify_consistency,
    verify_inclusion,
)

# The vectors are copied beside the tests so that a clone of the project alone still has them.
VECTORS_PATH = Path(__file__).parent / "vectors/rfc6962.json"
SHARED_VECTORS_PATH = Path(__file__).resolve().parents[3] / "shared/testvectors/rfc6962.json"
VECTORS = json.loads(VECTORS_PATH.read_text())
LEAVES = [leaf_hash(bytes.fromhex(text)) for text in VECTORS["leaf_inputs_hex"]]
ROOTS = [bytes.fromhex(text) for text in VECTORS["root_hash_by_tree_size_hex"]]
INCLUSIONS = [
    (p["leaf_index"], p["tree_size"], [bytes.fromhex(h) for h in p["audit_path_hex"]])
    for p in VECTORS["inclusion_proofs"]
]
CONSISTENCIES = [
    (p["old_size"], p["new_size"], [bytes.fromhex(h) for h in p["proof_hex"]])
    for p in VECTORS["consistency_proofs"]
]
EXTRA = hashlib.sha256(b"an extra proof element").digest()

# golang.org/x/mod/sumdb/note note_test.go
GO_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_PETER_SIG = (
    "\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "\u2014 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
GO_NOTE = GO_TEXT + "\n" + GO_PETER_SIG


def flipped(hash_value: bytes, bit: int = 0) -> bytes:
    return bytes([hash_value[0] ^ (1 << bit)]) + hash_value[1:]


# -- the RFC 6962 vectors ---------------------------------------------------------------------------------


def test_the_project_copy_of_the_vectors_is_the_shared_one() -> None:
    if not SHARED_VECTORS_PATH.exists():
        pytest.skip("shared/ is not beside this clone")
    assert json.loads(SHARED_VECTORS_PATH.read_text()) == VECTORS


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_the_root_of_every_vector_tree_is_the_published_one(size: int) -> None:
    assert root_hash(LEAVES[:size]) == ROOTS[size]


def test_the_root_follows_the_rfc_split_at_the_largest_power_of_two() -> None:
    three = [leaf_hash(bytes([n])) for n in range(3)]

    assert root_hash(three) == node_hash(node_hash(three[0], three[1]), three[2])
    assert root_hash([]) == hashlib.sha256(b"").digest()
    assert root_hash(three[:1]) == three[0]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSIONS)
def test_every_vector_inclusion_proof_verifies(index: int, size: int, path: list[bytes]) -> None:
    assert verify_inclusion(LEAVES[index], index, size, path, ROOTS[size])


def corrupted_inclusions(index: int, size: int, path: list[bytes]) -> list[tuple[str, tuple[Any, ...]]]:
    """Every corrupted variant the vectors' note asks for, as (what, arguments of verify_inclusion)."""
    leaf, root = LEAVES[index], ROOTS[size]
    variants: list[tuple[str, tuple[Any, ...]]] = [
        (f"index {other}", (leaf, other, size, path, root)) for other in range(size + 2) if other != index
    ]
    # Sizes one apart can share a proof's shape; a wrong tree height cannot (the tree size itself is bound
    # by the signed checkpoint, not by the proof).
    variants += [(f"size {other}", (leaf, index, other, path, root)) for other in (0, size // 2, size * 2)]
    for n in range(len(path)):
        for bit in (0, 7):
            changed = [*path[:n], flipped(path[n], bit), *path[n + 1 :]]
            variants.append((f"bit {bit} of element {n}", (leaf, index, size, changed, root)))
    variants += [
        ("extra element first", (leaf, index, size, [EXTRA, *path], root)),
        ("extra element last", (leaf, index, size, [*path, EXTRA], root)),
        ("other tree's root", (leaf, index, size, path, ROOTS[size - 1])),
        ("flipped leaf", (flipped(leaf), index, size, path, root)),
        ("flipped root", (leaf, index, size, path, flipped(root))),
        ("short leaf hash", (leaf[:31], index, size, path, root)),
        ("long root", (leaf, index, size, path, root + b"\x00")),
        ("negative index", (leaf, -1, size, path, root)),
    ]
    if path:
        variants += [
            ("last element dropped", (leaf, index, size, path[:-1], root)),
            ("first element dropped", (leaf, index, size, path[1:], root)),
            ("short element", (leaf, index, size, [path[0][:31], *path[1:]], root)),
        ]
    return variants


@pytest.mark.parametrize(("index", "size", "path"), INCLUSIONS)
def test_every_corrupted_vector_inclusion_proof_is_rejected(index: int, size: int, path: list[bytes]) -> None:
    for what, arguments in corrupted_inclusions(index, size, path):
        assert verify_inclusion(*arguments) is False, what


@pytest.mark.parametrize(("old_size", "new_size", "proof"), CONSISTENCIES)
def test_every_vector_consistency_proof_verifies(old_size: int, new_size: int, proof: list[bytes]) -> None:
    assert verify_consistency(old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof)


def corrupted_consistencies(old: int, new: int, proof: list[bytes]) -> list[tuple[str, tuple[Any, ...]]]:
    """Every corrupted variant the vectors' note asks for, as (what, arguments of verify_consistency)."""
    old_root, new_root = ROOTS[old], ROOTS[new]
    variants: list[tuple[str, tuple[Any, ...]]] = [
        (f"sizes {o}, {n}", (o, n, old_root, new_root, proof))
        for o, n in (
            (old - 1, new),
            (old + 1, new),
            (old ^ 2, new),
            (old, new // 2),
            (old, new * 2),
            (0, new),
        )
        if (o, n) != (old, new)
    ]
    for n in range(len(proof)):
        for bit in (0, 7):
            changed = [*proof[:n], flipped(proof[n], bit), *proof[n + 1 :]]
            variants.append((f"bit {bit} of element {n}", (old, new, old_root, new_root, changed)))
    variants += [
        ("extra element first", (old, new, old_root, new_root, [EXTRA, *proof])),
        ("extra element last", (old, new, old_root, new_root, [*proof, EXTRA])),
        ("old root as first element", (old, new, old_root, new_root, [old_root, *proof])),
        ("flipped old root", (old, new, flipped(old_root), new_root, proof)),
        ("flipped new root", (old, new, old_root, flipped(new_root), proof)),
        ("short old root", (old, new, old_root[:31], new_root, proof)),
    ]
    if old_root != new_root:
        variants.append(("swapped roots", (old, new, new_root, old_root, proof)))
    if proof:
        variants += [
            ("last element dropped", (old, new, old_root, new_root, proof[:-1])),
            ("first element dropped", (old, new, old_root, new_root, proof[1:])),
            ("long element", (old, new, old_root, new_root, [proof[0] + b"\x00", *proof[1:]])),
        ]
    return variants


@pytest.mark.parametrize(("old_size", "new_size", "proof"), CONSISTENCIES)
def test_every_corrupted_vector_consistency_proof_is_rejected(
    old_size: int, new_size: int, proof: list[bytes]
) -> None:
    for what, arguments in corrupted_consistencies(old_size, new_size, proof):
        assert verify_consistency(*arguments) is False, what


@pytest.mark.parametrize(
    "arguments",
    [
        ("not bytes", 0, 1, [], ROOTS[1]),
        (LEAVES[0], True, 1, [], ROOTS[1]),
        (LEAVES[0], 0.0, 1, [], ROOTS[1]),
        (LEAVES[0], 0, "1", [], ROOTS[1]),
        (LEAVES[0], 0, 2**64, [], ROOTS[1]),
        (LEAVES[0], 0, 2, LEAVES[1], ROOTS[2]),
        (LEAVES[0], 0, 2, [LEAVES[1].hex()], ROOTS[2]),
        (LEAVES[0], 0, 2, None, ROOTS[2]),
    ],
    ids=repr,
)
def test_inclusion_of_mistyped_arguments_is_false_not_an_error(arguments: tuple[Any, ...]) -> None:
    assert verify_inclusion(*arguments) is False


def test_consistency_from_the_empty_tree_needs_an_empty_proof_and_the_empty_root() -> None:
    assert verify_consistency(0, 8, ROOTS[0], ROOTS[8], [])
    assert not verify_consistency(0, 8, ROOTS[0], ROOTS[8], [ROOTS[8]])
    assert not verify_consistency(0, 8, ROOTS[1], ROOTS[8], [])
    assert verify_consistency(0, 0, ROOTS[0], ROOTS[0], [])


def test_consistency_of_mistyped_arguments_is_false_not_an_error() -> None:
    assert verify_consistency(1, 8, ROOTS[1], ROOTS[8], None) is False  # type: ignore[arg-type]
    assert verify_consistency(-1, 8, ROOTS[1], ROOTS[8], []) is False
    assert verify_consistency(1, 8, ROOTS[1].hex(), ROOTS[8], []) is False  # type: ignore[arg-type]


# -- event leaf bytes -------------------------------------------------------------------------------------

STREAM = uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_an_event_leaf_has_the_documented_byte_layout() -> None:
    expected = (
        "01"  # layout version
        "000000000000002a"  # position 42
        "12345678123456781234567812345678"  # stream id
        "0000000000000003"  # version 3
        "0000000b" "636173653a436c6f736564"  # "case:Closed"
        "00000007" "7b2261223a317d"  # b'{"a":1}'
    )  # fmt: skip

    leaf_bytes = event_leaf_bytes(42, STREAM, 3, "case:Closed", b'{"a":1}')

    assert leaf_bytes.hex() == expected
    assert event_leaf_hash(42, STREAM, 3, "case:Closed", b'{"a":1}') == leaf_hash(leaf_bytes)


def test_the_topic_length_counts_utf8_bytes_not_characters() -> None:
    leaf_bytes = event_leaf_bytes(1, STREAM, 1, "案件:Closed", b"")

    assert leaf_bytes[33:37] == (13).to_bytes(4, "big")
    assert leaf_bytes[37:50] == "案件:Closed".encode()
    assert leaf_bytes[50:] == bytes(4)


def test_moving_bytes_between_topic_and_state_changes_the_leaf() -> None:
    assert event_leaf_bytes(1, STREAM, 1, "ab", b"c") != event_leaf_bytes(1, STREAM, 1, "a", b"bc")


@pytest.mark.parametrize(("position", "version"), [(-1, 1), (2**64, 1), (1, -1), (1, 2**64)])
def test_an_event_outside_the_layout_is_refused(position: int, version: int) -> None:
    with pytest.raises(ValueError, match="does not fit the leaf layout"):
        event_leaf_bytes(position, STREAM, version, "case:Closed", b"")


# -- checkpoints ------------------------------------------------------------------------------------------

ORIGIN = "ledger.example/audit"
ROOT_B64 = base64.b64encode(ROOTS[8]).decode()
AT = datetime(2026, 11, 23, 14, 20, tzinfo=UTC)
# The last base64 digit before '=' carries 4 unused bits that must be zero; setting one keeps the bytes.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
NON_CANONICAL_ROOT_B64 = ROOT_B64[:-2] + _ALPHABET[_ALPHABET.index(ROOT_B64[-2]) + 1] + "="


def test_a_checkpoint_body_is_origin_size_root_and_one_time_line() -> None:
    checkpoint = Checkpoint(ORIGIN, 8, ROOTS[8], AT)

    assert checkpoint.body() == f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-11-23T14:20:00Z\n"
    assert Checkpoint(ORIGIN, 8, ROOTS[8], None).body() == f"{ORIGIN}\n8\n{ROOT_B64}\n"


@pytest.mark.parametrize("at", [AT, None, datetime(2026, 1, 1, tzinfo=UTC)], ids=repr)
def test_a_checkpoint_body_parses_back_to_the_same_checkpoint(at: datetime | None) -> None:
    checkpoint = Checkpoint(ORIGIN, 8, ROOTS[8], at)

    assert parse_checkpoint(checkpoint.body()) == checkpoint


def test_a_checkpoint_keeps_its_time_in_utc_to_the_second() -> None:
    beijing = timezone(timedelta(hours=8))

    checkpoint = Checkpoint(ORIGIN, 8, ROOTS[8], datetime(2026, 11, 23, 22, 20, 0, 999_999, tzinfo=beijing))

    assert checkpoint.time == AT
    assert checkpoint.time is not None and checkpoint.time.tzinfo is UTC


def test_unknown_extension_lines_are_ignored() -> None:
    body = f"{ORIGIN}\n8\n{ROOT_B64}\nwitness-policy v2\ntime 2026-11-23T14:20:00Z\n"

    assert parse_checkpoint(body) == Checkpoint(ORIGIN, 8, ROOTS[8], AT)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (f"{ORIGIN}\n8\n{ROOT_B64}", "end with a newline"),
        (f"{ORIGIN}\n8\n", "needs an origin, a size and a root"),
        (f"\n8\n{ROOT_B64}\n", "empty line"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\n\n", "empty line"),
        (f"{ORIGIN}\n08\n{ROOT_B64}\n", "leading zeros"),
        (f"{ORIGIN}\n+8\n{ROOT_B64}\n", "without sign"),
        (f"{ORIGIN}\n-8\n{ROOT_B64}\n", "without sign"),
        (f"{ORIGIN}\n 8\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n8e0\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n\u0668\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n{2**64}\n{ROOT_B64}\n", "below 2^64"),
        (f"{ORIGIN}\n8\n{ROOT_B64[:-1]}\n", "not valid base64"),
        (f"{ORIGIN}\n8\n{ROOT_B64.replace('=', '')}\n", "not valid base64"),
        (f"{ORIGIN}\n8\n{NON_CANONICAL_ROOT_B64}\n", "not canonical base64"),
        (f"{ORIGIN}\n8\n{base64.b64encode(ROOTS[8][:31]).decode()}\n", "31 bytes, not 32"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-11-23 14:20:00Z\n", "not RFC 3339 UTC"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-11-23T14:20:00+08:00\n", "not RFC 3339 UTC"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-11-23T14:20:00.5Z\n", "not RFC 3339 UTC"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-13-23T14:20:00Z\n", "not a real date"),
        (f"{ORIGIN}\n8\n{ROOT_B64}\ntime 2026-11-23T14:20:00Z\ntime 2026-11-23T14:20:00Z\n", "more than one"),
    ],
    ids=repr,
)
def test_a_malformed_checkpoint_body_is_refused_saying_why(body: str, complaint: str) -> None:
    with pytest.raises(NoteError, match=complaint.replace("^", r"\^").replace("+", r"\+")):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    ("origin", "size", "root", "at", "complaint"),
    [
        ("", 8, ROOTS[8], None, "origin"),
        ("a\nb", 8, ROOTS[8], None, "origin"),
        (ORIGIN, -1, ROOTS[8], None, "size"),
        (ORIGIN, 8, ROOTS[8][:31], None, "32 bytes"),
        (ORIGIN, 8, ROOTS[8], datetime(2026, 11, 23), "time zone"),
    ],
)
def test_a_checkpoint_is_refused_when_its_parts_cannot_be_written(
    origin: str, size: int, root: bytes, at: datetime | None, complaint: str
) -> None:
    with pytest.raises(NoteError, match=complaint):
        Checkpoint(origin, size, root, at)


# -- verifier keys and signed notes -----------------------------------------------------------------------


def test_the_go_verifier_key_parses_and_is_reproduced_from_its_public_key() -> None:
    key = parse_verifier_key(GO_KEY)

    assert (key.name, key.key_id.hex()) == ("PeterNeumann", "c74f20a3")
    assert verifier_key(key.name, key.public_key) == GO_KEY


def test_every_mangling_of_the_go_verifier_key_is_refused() -> None:
    """The manglings note_test.go tries: every proper substring and every byte raised by one."""
    manglings = {GO_KEY[i:j] for i in range(len(GO_KEY) + 1) for j in range(i + 1, len(GO_KEY) + 1)}
    manglings |= {GO_KEY[:i] + chr(ord(GO_KEY[i]) + 1) + GO_KEY[i + 1 :] for i in range(len(GO_KEY))}
    manglings.discard(GO_KEY)

    for mangled in manglings:
        with pytest.raises(NoteError):
            parse_verifier_key(mangled)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "not canonical"),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not Ed25519"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "id does not match"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "must read"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "must read"),
    ],
)
def test_a_bad_verifier_key_is_refused_saying_why(text: str, complaint: str) -> None:
    with pytest.raises(NoteError, match=complaint):
        parse_verifier_key(text)


def test_a_verifier_key_of_the_wrong_length_is_refused() -> None:
    algorithm_and_key = b"\x01" + parse_verifier_key(GO_KEY).public_key[:31]
    key_id = hashlib.sha256(b"PeterNeumann\n" + algorithm_and_key).digest()[:4]
    text = f"PeterNeumann+{key_id.hex()}+{base64.b64encode(algorithm_and_key).decode()}"

    with pytest.raises(NoteError, match="holds 31 key bytes, not 32"):
        parse_verifier_key(text)


def test_the_go_signed_note_opens_with_its_key() -> None:
    assert open_note(GO_NOTE, GO_KEY) == GO_TEXT
    assert open_note(GO_NOTE, parse_verifier_key(GO_KEY)) == GO_TEXT


def test_signatures_by_other_keys_are_ignored() -> None:
    note = GO_TEXT + "\n" + GO_ENOCH_SIG + GO_PETER_SIG

    assert open_note(note, GO_KEY) == GO_TEXT
    assert open_note(note, GO_ENOCH_KEY) == GO_TEXT


@pytest.mark.parametrize(
    ("note", "complaint"),
    [
        (GO_NOTE.replace("cryptography", "cryptographY"), "does not verify"),
        (GO_TEXT + "\n" + GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:], "does not verify"),
        (GO_TEXT + "\n" + GO_ENOCH_SIG, "no signature by key PeterNeumann\\+c74f20a3"),
        (GO_NOTE.replace("x08go", "x08gp"), "no signature by key"),  # the key id bytes changed
        (GO_TEXT, "malformed"),
        (GO_TEXT + "\n", "malformed"),
        (GO_TEXT + "\n" + GO_PETER_SIG[:-1], "malformed"),
        ("\x01" + GO_NOTE, "malformed"),
        ("\udcff" + GO_NOTE, "malformed"),
        (
            GO_TEXT
            + "\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq\n",
            "malformed",
        ),
        (GO_NOTE + "Unexpected line.\n", "malformed"),
        (GO_TEXT + "\n" + GO_PETER_SIG * 101, "malformed"),
        (GO_TEXT + "\n\u2014 PeterNeumann x08g\n", "malformed"),
        (GO_TEXT + "\n\u2014 PeterNeumann !!!!\n", "malformed"),
    ],
    ids=repr,
)
def test_a_bad_note_is_refused_saying_why(note: str, complaint: str) -> None:
    with pytest.raises(NoteError, match=complaint):
        open_note(note, GO_KEY)


def test_a_note_signed_here_opens_and_any_tampering_is_caught() -> None:
    signing_key = SigningKey(Ed25519PrivateKey.generate())
    key = signing_key.verifier_key(ORIGIN)
    note = signing_key.sign_note(Checkpoint(ORIGIN, 8, ROOTS[8], AT).body(), ORIGIN)

    assert open_checkpoint(note, key) == Checkpoint(ORIGIN, 8, ROOTS[8], AT)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note.replace("\n8\n", "\n9\n"), key)
    with pytest.raises(NoteError, match="no signature by key"):
        open_note(note, SigningKey(Ed25519PrivateKey.generate()).verifier_key(ORIGIN))


def test_a_checkpoint_opens_only_under_a_key_named_as_its_origin() -> None:
    signing_key = SigningKey(Ed25519PrivateKey.generate())
    note = signing_key.sign_note(Checkpoint("other.example/log", 8, ROOTS[8]).body(), ORIGIN)

    with pytest.raises(NoteError, match=r"origin 'other\.example/log' is not the key's name"):
        open_checkpoint(note, signing_key.verifier_key(ORIGIN))


# -- proof documents --------------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def event_of(position: int) -> dict[str, Any]:
    stream_id = uuid.UUID(int=position % 7 + 1)
    state = json.dumps({"note": f"event {position}"}).encode()
    return {
        "position": position,
        "stream_id": str(stream_id),
        "version": position // 7 + 1,
        "topic": "domain.case:Case.Noted",
        "state": base64.b64encode(state).decode(),
    }


def hash_of(event: dict[str, Any]) -> bytes:
    return event_leaf_hash(
        event["position"],
        uuid.UUID(event["stream_id"]),
        event["version"],
        event["topic"],
        base64.b64decode(event["state"]),
    )


class Ledger:
    """One hundred events, a tree over them and the key that signs its checkpoints."""

    def __init__(self) -> None:
        self.events = [event_of(position) for position in range(1, 101)]
        self.tree = MerkleTree(hash_of(event) for event in self.events)
        self.signing_key = SigningKey(Ed25519PrivateKey.generate())
        self.key = self.signing_key.verifier_key(ORIGIN)

    def checkpoint(self, size: int, tree: MerkleTree | None = None) -> str:
        root = (tree or self.tree).root(size)
        return self.signing_key.sign_checkpoint(Checkpoint(ORIGIN, size, root, AT))

    def inclusion(self, index: int = 41, size: int = 100) -> dict[str, Any]:
        return {
            "type": "inclusion",
            "checkpoint": self.checkpoint(size),
            "leaf_index": index,
            "tree_size": size,
            "event": dict(self.events[index]),
            "leaf_hash": self.tree.leaf(index).hex(),
            "audit_path": [h.hex() for h in self.tree.inclusion_proof(index, size)],
        }

    def consistency(self, old_size: int = 10, new_size: int = 100) -> dict[str, Any]:
        return {
            "type": "consistency",
            "old_checkpoint": self.checkpoint(old_size),
            "new_checkpoint": self.checkpoint(new_size),
            "old_size": old_size,
            "new_size": new_size,
            "proof": [h.hex() for h in self.tree.consistency_proof(old_size, new_size)],
        }


LEDGER = Ledger()


def test_a_valid_inclusion_document_has_no_problems() -> None:
    document = LEDGER.inclusion()

    assert check_document(document, LEDGER.key) == []
    assert check_document(document, parse_verifier_key(LEDGER.key)) == []


def test_an_inclusion_document_without_the_event_checks_the_given_leaf_hash() -> None:
    document = LEDGER.inclusion()
    del document["event"]

    assert check_document(document, LEDGER.key) == []


def test_a_valid_consistency_document_has_no_problems() -> None:
    assert check_document(LEDGER.consistency(), LEDGER.key) == []
    assert check_document(LEDGER.consistency(100, 100), LEDGER.key) == []


def _set(path: str, value: object) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, name = path.split(".")
        target = document
        for parent in parents:
            target = target[parent]
        if value is _DELETE:
            del target[name]
        else:
            target[name] = value

    return mutate


def _edit(path: str, change: Callable[[Any], Any]) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, name = path.split(".")
        target = document
        for parent in parents:
            target = target[parent]
        target[name] = change(target[name])

    return mutate


_DELETE = object()
OTHER_LEAF = hashlib.sha256(b"another event").hexdigest()
FORKED_TREE = MerkleTree([*map(LEDGER.tree.leaf, range(99)), hashlib.sha256(b"forked").digest()])
OTHER_SIGNER = SigningKey(Ed25519PrivateKey.generate())


def _flip_hex(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


INCLUSION_TAMPERING: list[tuple[str, Mutation, str]] = [
    ("event state", _edit("event.state", lambda s: base64.b64encode(b"{}").decode()), "event hashes to leaf"),
    ("event topic", _set("event.topic", "domain.case:Case.Closed"), "event hashes to leaf"),
    ("event position", _edit("event.position", lambda p: p + 1), "event hashes to leaf"),
    ("event version", _edit("event.version", lambda v: v + 1), "event hashes to leaf"),
    ("event stream", _set("event.stream_id", str(uuid.UUID(int=99))), "event hashes to leaf"),
    ("event state not base64", _set("event.state", "***"), "event.state must be the base64"),
    ("event position missing", _set("event.position", _DELETE), "event.position must be a non-negative"),
    ("event stream not uuid", _set("event.stream_id", "case-7"), "event.stream_id must be a UUID"),
    ("event not object", _set("event", []), "event must be an object"),
    ("leaf hash with event", _set("leaf_hash", OTHER_LEAF), "event hashes to leaf"),
    ("leaf hash not hex", _set("leaf_hash", "zz"), "leaf_hash must be 64 hex digits"),
    ("leaf index", _set("leaf_index", 40), "audit_path does not prove leaf 40"),
    ("leaf index text", _set("leaf_index", "41"), "leaf_index must be a non-negative integer, found '41'"),
    ("leaf index bool", _set("leaf_index", True), "leaf_index must be a non-negative integer"),
    ("tree size", _set("tree_size", 99), "tree_size 99 is not the checkpoint's size 100"),
    ("path bit", _edit("audit_path", lambda p: [_flip_hex(p[0]), *p[1:]]), "audit_path does not prove"),
    ("path truncated", _edit("audit_path", lambda p: p[:-1]), "audit_path does not prove"),
    ("path extra", _edit("audit_path", lambda p: [*p, OTHER_LEAF]), "audit_path does not prove"),
    ("path element", _edit("audit_path", lambda p: [p[0][:10], *p[1:]]), "audit_path[0] must be 64 hex"),
    ("path missing", _set("audit_path", _DELETE), "audit_path must be a list of hex hashes, found missing"),
    ("checkpoint missing", _set("checkpoint", _DELETE), "checkpoint must be a signed checkpoint note"),
    ("checkpoint body", _edit("checkpoint", lambda n: n.replace("\n100\n", "\n101\n")), "does not verify"),
    ("checkpoint of another tree", _set("checkpoint", LEDGER.checkpoint(100, FORKED_TREE)), "does not prove"),
    (
        "checkpoint by another key",
        _set("checkpoint", OTHER_SIGNER.sign_checkpoint(Checkpoint(ORIGIN, 100, LEDGER.tree.root()))),
        "checkpoint: note has no signature by key",
    ),
    ("type", _set("type", "inclusions"), "type must be 'inclusion' or 'consistency'"),
]


@pytest.mark.parametrize(
    ("what", "mutate", "problem"), INCLUSION_TAMPERING, ids=[t[0] for t in INCLUSION_TAMPERING]
)
def test_every_tampering_with_an_inclusion_document_is_a_named_problem(
    what: str, mutate: Mutation, problem: str
) -> None:
    document = LEDGER.inclusion()
    mutate(document)

    problems = check_document(document, LEDGER.key)

    assert any(problem in found for found in problems), problems


def test_a_leaf_hash_without_its_event_must_still_be_in_the_tree() -> None:
    document = LEDGER.inclusion()
    del document["event"]
    document["leaf_hash"] = OTHER_LEAF

    assert check_document(document, LEDGER.key) == [
        f"audit_path does not prove leaf 41 is in the checkpoint's tree of size 100 with root "
        f"{LEDGER.tree.root().hex()}"
    ]


CONSISTENCY_TAMPERING: list[tuple[str, Mutation, str]] = [
    ("old size", _set("old_size", 11), "old_size 11 is not the old checkpoint's size 10"),
    ("new size", _set("new_size", 99), "new_size 99 is not the new checkpoint's size 100"),
    ("proof bit", _edit("proof", lambda p: [*p[:-1], _flip_hex(p[-1])]), "proof does not show"),
    ("proof truncated", _edit("proof", lambda p: p[1:]), "proof does not show"),
    ("proof extra", _edit("proof", lambda p: [OTHER_LEAF, *p]), "proof does not show"),
    ("proof not list", _set("proof", "ab"), "proof must be a list of hex hashes"),
    (
        "new checkpoint of a fork",
        _set("new_checkpoint", LEDGER.checkpoint(100, FORKED_TREE)),
        "does not show",
    ),
    (
        "new checkpoint tampered",
        _edit("new_checkpoint", lambda n: n.replace("\n100\n", "\n10\n")),
        "new_checkpoint",
    ),
    ("old checkpoint missing", _set("old_checkpoint", _DELETE), "old_checkpoint must be a signed checkpoint"),
    (
        "checkpoints swapped",
        lambda d: d.update(old_checkpoint=d["new_checkpoint"], new_checkpoint=d["old_checkpoint"]),
        "old_size 10 is not the old checkpoint's size 100",
    ),
    (
        "sizes and checkpoints swapped",
        lambda d: d.update(
            old_checkpoint=d["new_checkpoint"], new_checkpoint=d["old_checkpoint"], old_size=100, new_size=10
        ),
        "the old checkpoint's size 100 is larger than the new one's 10",
    ),
]


@pytest.mark.parametrize(
    ("what", "mutate", "problem"), CONSISTENCY_TAMPERING, ids=[t[0] for t in CONSISTENCY_TAMPERING]
)
def test_every_tampering_with_a_consistency_document_is_a_named_problem(
    what: str, mutate: Mutation, problem: str
) -> None:
    document = LEDGER.consistency()
    mutate(document)

    problems = check_document(document, LEDGER.key)

    assert any(problem in found for found in problems), problems


def test_a_consistency_document_from_a_forked_log_is_refused() -> None:
    forked = LEDGER.consistency(99, 100)
    forked["new_checkpoint"] = LEDGER.checkpoint(100, FORKED_TREE)

    assert check_document(forked, LEDGER.key) == [
        f"proof does not show the tree of size 100 (root {FORKED_TREE.root().hex()}) extends "
        f"the tree of size 99 (root {LEDGER.tree.root(99).hex()})"
    ]


def test_a_document_that_is_not_an_object_is_a_problem() -> None:
    assert check_document([], LEDGER.key) == ["the proof document is not a JSON object"]  # type: ignore[arg-type]


def test_a_malformed_key_is_the_callers_error() -> None:
    with pytest.raises(NoteError):
        check_document(LEDGER.inclusion(), "not a key")


# -- the command line -------------------------------------------------------------------------------------


def write(folder: Path, name: str, document: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(document))
    return path


def test_the_command_line_exits_0_when_every_proof_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inclusion = write(tmp_path, "inclusion.json", LEDGER.inclusion())
    consistency = write(tmp_path, "consistency.json", LEDGER.consistency())

    assert main([str(inclusion), str(consistency), "--key", LEDGER.key]) == 0

    printed = capsys.readouterr().out
    assert f"OK {inclusion}: the event at position 42 is leaf 41 of {ORIGIN} at size 100" in printed
    assert f"OK {consistency}: {ORIGIN} at size 100 extends its tree at size 10" in printed


def test_the_command_line_exits_1_and_lists_the_problems_when_one_proof_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = LEDGER.inclusion()
    tampered["tree_size"] = 99
    good = write(tmp_path, "good.json", LEDGER.inclusion())
    bad = write(tmp_path, "bad.json", tampered)
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")

    exit_code = main(
        [str(good), str(bad), str(not_json), str(tmp_path / "missing.json"), "--key", LEDGER.key]
    )

    printed = capsys.readouterr().out
    assert exit_code == 1
    assert f"OK {good}" in printed
    assert f"FAIL {bad}:\n  - tree_size 99 is not the checkpoint's size 100" in printed
    assert f"FAIL {not_json}:\n  - the file is not JSON" in printed
    assert "cannot read the file: No such file or directory" in printed


def test_the_command_line_reads_the_key_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "ledger.pub"
    key_file.write_text(LEDGER.key + "\n")
    document = LEDGER.inclusion()
    del document["event"]

    assert main([str(write(tmp_path, "proof.json", document)), "--key", f"@{key_file}"]) == 0
    assert f"leaf 41 is in {ORIGIN} at size 100" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["not a key", "@/nonexistent/ledger.pub"])
def test_the_command_line_exits_2_when_the_key_is_unusable(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(write(tmp_path, "proof.json", LEDGER.inclusion())), "--key", key]) == 2
    assert "cannot use the key" in capsys.readouterr().err


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(Path(infra.verifier.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert {name.split(".")[0] for name in outside} == {"cryptography"}


def test_the_verifier_runs_as_a_single_copied_file(tmp_path: Path) -> None:
    shutil.copy(infra.verifier.__file__, tmp_path / "verifier.py")
    write(tmp_path, "proof.json", LEDGER.inclusion())

    finished = subprocess.run(
        [sys.executable, "-I", "verifier.py", "proof.json", "--key", LEDGER.key],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("OK proof.json")


def test_the_raw_leaf_hash_of_a_row_read_as_bytes_is_the_event_leaf_hash():
    stream_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    topic = "domain.case:Case.Registered"
    expected = infra.verifier.event_leaf_hash(42, stream_id, 3, topic, b'{"a":1}')
    assert infra.verifier.raw_event_leaf_hash(42, stream_id.bytes, 3, topic.encode(), b'{"a":1}') == expected
