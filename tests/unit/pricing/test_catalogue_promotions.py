"""Catalogue promotions: the worked examples of docs/pricing.md, one row each, on a £10.00 unit in `uk`."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.pricing.breakdown import Adjustment, AdjustmentKind
from domain.pricing.engine import price_variant
from domain.pricing.errors import (
    ChannelCurrencyMismatch,
    DuplicatePromotion,
    InvalidPrice,
    InvalidSchedule,
    InvalidTarget,
)
from domain.pricing.model import (
    ChannelPrice,
    FixedOff,
    Percentage,
    PercentageOff,
    ProductFacts,
    Reward,
    Schedule,
    Target,
)
from domain.pricing.promotions import CataloguePromotion
from tests.unit.pricing import NOW, TOMORROW, UK, YESTERDAY, context, eur, gbp, product

SHIRT = product(1, categories=[1, 2, 3], collections=[50])  # Clothing (1) > Shirts (2) > Linen (3)
PRICE = ChannelPrice(variant_id=7, channel="uk", amount=gbp("10.00"))


def pct(value: str) -> PercentageOff:
    return PercentageOff(Percentage.of(value))


def off(amount: str) -> FixedOff:
    return FixedOff(gbp(amount))


def promo(
    promotion_id: str,
    reward: Reward,
    *,
    target: Target | None = None,
    channels: frozenset[str] = frozenset({"uk"}),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    priority: int = 0,
    stackable: bool = False,
) -> CataloguePromotion:
    return CataloguePromotion(
        id=promotion_id,
        name=promotion_id.replace("-", " ").title(),
        reward=reward,
        target=target,
        channels=channels,
        schedule=Schedule(starts_at=starts_at, ends_at=ends_at),
        priority=priority,
        stackable=stackable,
    )


def unit_price(promotions: list[CataloguePromotion], facts: ProductFacts = SHIRT) -> tuple[str, list[str]]:
    """Return the unit's gross price and the ids of the promotions applied, in order."""
    unit = price_variant(price=PRICE, product=facts, context=context(UK), promotions=promotions)
    return str(unit.price.gross.amount), [a.source_id for a in unit.adjustments]


CASES = [
    ("no promotion", [], "10.00", []),
    ("10% off", [promo("ten", pct("10"))], "9.00", ["ten"]),
    ("best exclusive wins", [promo("ten", pct("10")), promo("two-pounds", off("2.00"))], "8.00", ["two-pounds"]),
    (
        "stackables apply by priority, each on what is left",
        [promo("pound", off("1.00"), priority=1, stackable=True), promo("ten", pct("10"), priority=2, stackable=True)],
        "8.00",
        ["ten", "pound"],
    ),
    (
        "stackables in the other priority order",
        [promo("pound", off("1.00"), priority=2, stackable=True), promo("ten", pct("10"), priority=1, stackable=True)],
        "8.10",
        ["pound", "ten"],
    ),
    (
        "an exclusive beats stackables that save less",
        [
            promo("quarter", pct("25")),
            promo("ten-a", pct("10"), stackable=True),
            promo("ten-b", pct("10"), stackable=True),
        ],
        "7.50",
        ["quarter"],
    ),
    (
        "stackables together beat an exclusive that saves less",
        [
            promo("fifteen", pct("15")),
            promo("ten", pct("10"), stackable=True),
            promo("pound", off("1"), stackable=True),
        ],
        "8.10",
        ["pound", "ten"],
    ),
    (
        "a tie goes to the higher priority",
        [promo("a", pct("10"), priority=1), promo("b", pct("10"), priority=5)],
        "9.00",
        ["b"],
    ),
    ("a tie at equal priority goes to the smaller id", [promo("b", pct("10")), promo("a", off("1"))], "9.00", ["a"]),
    ("an ended promotion is ignored", [promo("ten", pct("10"), ends_at=YESTERDAY)], "10.00", []),
    ("a future promotion is ignored", [promo("ten", pct("10"), starts_at=TOMORROW)], "10.00", []),
    ("the end is exclusive", [promo("ten", pct("10"), ends_at=NOW)], "10.00", []),
    ("the start is inclusive", [promo("ten", pct("10"), starts_at=NOW)], "9.00", ["ten"]),
    ("another channel's promotion is ignored", [promo("ten", pct("10"), channels=frozenset({"eu"}))], "10.00", []),
    (
        "a category covers its subtree",
        [promo("ten", pct("10"), target=Target(category_ids=frozenset({1})))],
        "9.00",
        ["ten"],
    ),
    ("another category does not", [promo("ten", pct("10"), target=Target(category_ids=frozenset({9})))], "10.00", []),
    ("a collection", [promo("ten", pct("10"), target=Target(collection_ids=frozenset({50})))], "9.00", ["ten"]),
    ("a product", [promo("ten", pct("10"), target=Target(product_ids=frozenset({1})))], "9.00", ["ten"]),
    ("a variant", [promo("ten", pct("10"), target=Target(variant_ids=frozenset({7})))], "9.00", ["ten"]),
    ("another variant", [promo("ten", pct("10"), target=Target(variant_ids=frozenset({8})))], "10.00", []),
    ("a fixed discount stops at zero", [promo("fifteen-pounds", off("15.00"))], "0.00", ["fifteen-pounds"]),
    ("15% of 10.00 is exact", [promo("fifteen", pct("15"))], "8.50", ["fifteen"]),
    ("33.35% of 10.00 is 3.335, rounded up", [promo("third", pct("33.35"))], "6.66", ["third"]),
]


@pytest.mark.parametrize(("case", "promotions", "price", "applied"), CASES, ids=[c[0] for c in CASES])
def test_catalogue_promotion_examples(
    case: str, promotions: list[CataloguePromotion], price: str, applied: list[str]
) -> None:
    assert unit_price(promotions) == (price, applied)


def test_a_discounted_unit_records_each_promotion_with_its_name_and_amount() -> None:
    promotions = [promo("summer-sale", pct("10"), priority=2, stackable=True), promo("pound", off("1"), stackable=True)]

    unit = price_variant(price=PRICE, product=SHIRT, context=context(UK), promotions=promotions)

    assert unit.adjustments == (
        Adjustment(AdjustmentKind.CATALOGUE_PROMOTION, "summer-sale", "Summer Sale", gbp("1.00")),
        Adjustment(AdjustmentKind.CATALOGUE_PROMOTION, "pound", "Pound", gbp("1.00")),
    )
    assert unit.discount == gbp("2.00")
    assert unit.undiscounted.gross == gbp("10.00")
    assert unit.price.net == gbp("6.67")
    assert unit.on_sale is True


def test_a_fixed_promotion_in_another_currency_than_the_channel_is_refused() -> None:
    promotion = promo("euro", FixedOff(eur("1.00")))

    with pytest.raises(ChannelCurrencyMismatch):
        price_variant(price=PRICE, product=SHIRT, context=context(UK), promotions=[promotion])


def test_two_promotions_with_one_id_are_refused() -> None:
    with pytest.raises(DuplicatePromotion) as caught:
        price_variant(
            price=PRICE, product=SHIRT, context=context(UK), promotions=[promo("a", pct("10")), promo("a", pct("20"))]
        )

    assert caught.value.code == "DUPLICATE_PROMOTION"


def test_a_schedule_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        Schedule(starts_at=TOMORROW, ends_at=YESTERDAY)

    assert caught.value.code == "INVALID_SCHEDULE"


def test_a_naive_schedule_is_refused() -> None:
    with pytest.raises(InvalidSchedule):
        Schedule(starts_at=datetime(2026, 1, 1))


def test_an_empty_target_is_refused() -> None:
    with pytest.raises(InvalidTarget) as caught:
        Target()

    assert caught.value.code == "INVALID_TARGET"


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_a_fixed_discount_of_nothing_or_less_is_refused(amount: str) -> None:
    with pytest.raises(InvalidPrice):
        FixedOff(gbp(amount))
