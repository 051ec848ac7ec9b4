"""`CategoryTree`: walking the category hierarchy up and down."""

from __future__ import annotations

from domain.catalog.model import Category, CategoryTree
from tests.fakes import make_category


def ids(categories: list[Category]) -> list[int]:
    return [c.id for c in categories]


def chain(depth: int) -> list[Category]:
    """Build categories 1 -> 2 -> ... -> depth, each the only child of the one before."""
    return [make_category(n, parent_id=None if n == 1 else n - 1) for n in range(1, depth + 1)]


def test_children_are_in_display_order_by_position_then_name_then_id() -> None:
    # given root categories inserted out of order, two with equal position and name
    tree = CategoryTree(
        [
            make_category(5, name="Shoes", position=2),
            make_category(4, name="Bags", position=2),
            make_category(9, name="Bags", position=2),
            make_category(3, name="Zebra prints", position=0),
            make_category(7, name="Hats", position=1),
        ]
    )

    # then the top level is ordered by position, then name, then id
    assert ids(tree.children(None)) == [3, 7, 4, 9, 5]


def test_children_of_a_category_are_its_direct_children_only() -> None:
    tree = CategoryTree(
        [
            make_category(1),
            make_category(2, parent_id=1, position=1),
            make_category(3, parent_id=1, position=0),
            make_category(4, parent_id=2),
            make_category(5),
        ]
    )

    assert ids(tree.children(1)) == [3, 2]
    assert ids(tree.children(2)) == [4]
    assert tree.children(4) == []
    assert tree.children(404) == []


def test_children_returns_a_copy() -> None:
    tree = CategoryTree([make_category(1), make_category(2, parent_id=1)])

    tree.children(1).clear()

    assert ids(tree.children(1)) == [2]


def test_lookups_by_id_and_slug() -> None:
    shoes = make_category(1, slug="shoes")
    boots = make_category(2, parent_id=1, slug="boots")
    tree = CategoryTree([boots, shoes])

    assert tree.get(2) == boots
    assert tree.get(3) is None
    assert tree.by_slug("shoes") == shoes
    assert tree.by_slug("hats") is None
    assert tree.by_id == {1: shoes, 2: boots}
    assert len(tree) == 2
    assert set(ids(list(tree))) == {1, 2}


def test_subtree_ids_of_a_branch_include_every_descendant_and_nothing_else() -> None:
    # given   1          6
    #        / \         |
    #       2   3        7
    #       |  / \
    #       4 5   8
    tree = CategoryTree(
        [
            make_category(1),
            make_category(2, parent_id=1),
            make_category(3, parent_id=1),
            make_category(4, parent_id=2),
            make_category(5, parent_id=3),
            make_category(8, parent_id=3),
            make_category(6),
            make_category(7, parent_id=6),
        ]
    )

    assert tree.subtree_ids(1) == frozenset({1, 2, 3, 4, 5, 8})
    assert tree.subtree_ids(3) == frozenset({3, 5, 8})
    assert tree.subtree_ids(6) == frozenset({6, 7})
    assert tree.subtree_ids(4) == frozenset({4})


def test_subtree_ids_of_a_deep_tree() -> None:
    # given a chain deeper than Python's recursion limit
    tree = CategoryTree(chain(3000))

    assert tree.subtree_ids(1) == frozenset(range(1, 3001))
    assert tree.subtree_ids(2990) == frozenset(range(2990, 3001))
    assert tree.subtree_ids(3000) == frozenset({3000})


def test_ancestors_run_from_the_root_down_to_the_parent() -> None:
    tree = CategoryTree([*chain(4), make_category(9, parent_id=2)])

    assert ids(tree.ancestors(4)) == [1, 2, 3]
    assert ids(tree.ancestors(9)) == [1, 2]
    assert ids(tree.ancestors(2)) == [1]


def test_a_root_and_an_unknown_category_have_no_ancestors() -> None:
    tree = CategoryTree(chain(2))

    assert tree.ancestors(1) == []
    assert tree.ancestors(404) == []


def test_ancestors_of_a_deep_tree() -> None:
    tree = CategoryTree(chain(3000))

    assert ids(tree.ancestors(3000)) == list(range(1, 3000))


def test_ancestors_stop_at_a_parent_that_is_missing() -> None:
    # given a category whose parent was deleted
    tree = CategoryTree([make_category(2, parent_id=1), make_category(3, parent_id=2)])

    assert ids(tree.ancestors(3)) == [2]


def test_a_cycle_does_not_hang_subtree_ids() -> None:
    # given 1 -> 2 -> 3 -> 1, with 4 hanging under 3
    tree = CategoryTree(
        [
            make_category(1, parent_id=3),
            make_category(2, parent_id=1),
            make_category(3, parent_id=2),
            make_category(4, parent_id=3),
        ]
    )

    assert tree.subtree_ids(1) == frozenset({1, 2, 3, 4})
    assert tree.subtree_ids(4) == frozenset({4})
    assert tree.children(None) == []


def test_a_cycle_does_not_hang_ancestors() -> None:
    tree = CategoryTree(
        [
            make_category(1, parent_id=3),
            make_category(2, parent_id=1),
            make_category(3, parent_id=2),
            make_category(4, parent_id=3),
        ]
    )

    # then each walk ends, and names each category of the cycle at most once
    for category_id in (1, 2, 3, 4):
        found = ids(tree.ancestors(category_id))
        assert len(found) == len(set(found))
        assert set(found) <= {1, 2, 3}


def test_a_category_that_is_its_own_parent_does_not_hang() -> None:
    tree = CategoryTree([make_category(1, parent_id=1)])

    assert tree.subtree_ids(1) == frozenset({1})
    assert len(tree.ancestors(1)) <= 1
