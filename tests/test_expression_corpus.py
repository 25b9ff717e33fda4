"""The expression corpus against the answers n8n-workflow 1.95 gave (tests/expressions/).

Every case is compared; agreement must stay at 97% or more, and every case that differs must be
listed with its reason in differences.yaml (so a new difference fails here until it is explained).
"""

from __future__ import annotations

from collections import Counter

import pytest

from .expressions.corpus import cases, load_differences, ours, same, stored_answers

CASES = cases()
ANSWERS = stored_answers()


def test_the_answers_belong_to_this_corpus() -> None:
    assert [c["expression"] for c in CASES] == [a["expression"] for a in ANSWERS], (
        "corpus.yaml changed: regenerate with python -m tests.expressions.corpus --oracle"
    )


def test_the_corpus_is_broad() -> None:
    groups = Counter(c["group"] for c in CASES)
    assert len(CASES) >= 300 and len(groups) >= 10, groups
    assert sum("error" in a for a in ANSWERS) >= 30  # refusals are part of the yardstick


def test_agreement_with_n8n() -> None:
    differences = load_differences()
    differing = [
        c["expression"] for c, a in zip(CASES, ANSWERS, strict=True) if not same(a, ours(c))
    ]
    unexplained = [e for e in differing if e not in differences]
    assert not unexplained, f"differences from n8n not listed in differences.yaml: {unexplained}"
    stale = [e for e in differences if e not in differing]
    assert not stale, f"differences.yaml lists cases that now agree: {stale}"
    assert 1 - len(differing) / len(CASES) >= 0.97


@pytest.mark.parametrize(
    "index", [i for i, a in enumerate(ANSWERS) if "Cannot access" in a.get("error", "")]
)
def test_security_refusals_say_what_n8n_says(index: int) -> None:
    assert ours(CASES[index]) == {"error": ANSWERS[index]["error"]}
