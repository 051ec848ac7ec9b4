"""Promotions: catalogue promotions on unit prices, and order promotions on the whole cart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.pricing.amounts import percent_of, smaller
from domain.pricing.breakdown import Adjustment, AdjustmentKind
from domain.pricing.errors import InvalidPrice, InvalidPromotionRule
from domain.pricing.model import (
    ALWAYS,
    Channel,
    PercentageOff,
    ProductFacts,
    Reward,
    Schedule,
    Target,
    covers,
    require_reward_currency,
)
from domain.pricing.stacking import pick_best
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class CataloguePromotion:
    """A sale on unit prices of the variants it targets (`None`: everything), in its channels, on schedule."""

    id: str
    name: str
    reward: Reward
    target: Target | None
    channels: frozenset[str]
    schedule: Schedule = ALWAYS
    priority: int = 0
    stackable: bool = False

    def applies(self, *, channel: Channel, now: datetime, variant_id: int, product: ProductFacts) -> bool:
        """Tell whether the promotion is live in the channel and covers the variant."""
        return (
            channel.slug in self.channels
            and self.schedule.is_live(now)
            and covers(self.target, variant_id=variant_id, product=product)
        )


@dataclass(frozen=True, slots=True)
class NewCataloguePromotion:
    """A catalogue promotion staff are creating; the repository gives it its id."""

    name: str
    reward: Reward
    target: Target | None
    channels: frozenset[str]
    schedule: Schedule = ALWAYS
    priority: int = 0
    stackable: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 250:
            raise InvalidPromotionRule("A promotion needs a name of at most 250 characters.", field="name")
        if not self.channels:
            raise InvalidPromotionRule("A promotion runs in at least one channel.", field="channels")

    def with_id(self, promotion_id: str) -> CataloguePromotion:
        return CataloguePromotion(
            id=promotion_id,
            name=self.name.strip(),
            reward=self.reward,
            target=self.target,
            channels=self.channels,
            schedule=self.schedule,
            priority=self.priority,
            stackable=self.stackable,
        )


def reward_on(amount: Money, reward: Reward) -> Money:
    """Return what a reward takes off an amount: a rounded percentage, or the fixed amount capped at it."""
    if isinstance(reward, PercentageOff):
        return percent_of(amount, reward.percent)
    return smaller(reward.amount, amount)


def discount_unit(
    base: Money, *, promotions: tuple[CataloguePromotion, ...], channel: Channel
) -> tuple[Adjustment, ...]:
    """Return the catalogue discounts on one unit: the best exclusive promotion or all stackable ones."""
    for promotion in promotions:
        require_reward_currency(promotion.reward, channel, what=f"Promotion {promotion.id!r}")

    def evaluate(candidate: tuple[CataloguePromotion, ...]) -> tuple[Money, tuple[Adjustment, ...]]:
        remaining, taken = base, []
        for promotion in candidate:
            off = reward_on(remaining, promotion.reward)
            if off.amount > 0:
                taken.append(Adjustment(AdjustmentKind.CATALOGUE_PROMOTION, promotion.id, promotion.name, off))
                remaining = remaining - off
        return base - remaining, tuple(taken)

    return pick_best(promotions, evaluate=evaluate, nothing=())


# --- order promotions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpendThreshold:
    """Spend at least `minimum` (the subtotal after catalogue promotions) and get the reward off every line."""

    minimum: Money
    reward: Reward

    def __post_init__(self) -> None:
        if self.minimum.is_negative():
            raise InvalidPrice("A spending threshold is zero or more.", field="minimum")


@dataclass(frozen=True, slots=True)
class BuyXGetY:
    """In every group of `buy + get` covered units, the `get` cheapest are free."""

    buy: int
    get: int
    target: Target | None = None

    def __post_init__(self) -> None:
        if self.buy < 1 or self.get < 1:
            raise InvalidPromotionRule("Buy X get Y needs X and Y of at least one.", field="rule")


@dataclass(frozen=True, slots=True)
class FreeShippingOver:
    """Ship for free when the subtotal after catalogue promotions is at least `minimum`."""

    minimum: Money

    def __post_init__(self) -> None:
        if self.minimum.is_negative():
            raise InvalidPrice("A free-shipping threshold is zero or more.", field="minimum")


OrderRule = SpendThreshold | BuyXGetY | FreeShippingOver


@dataclass(frozen=True, slots=True)
class OrderPromotion:
    """A promotion on the whole order, in its channels, on schedule."""

    id: str
    name: str
    rule: OrderRule
    channels: frozenset[str]
    schedule: Schedule = ALWAYS
    priority: int = 0
    stackable: bool = False

    def is_live(self, *, channel: Channel, now: datetime) -> bool:
        """Tell whether the promotion runs in this channel now."""
        return channel.slug in self.channels and self.schedule.is_live(now)

    def check_currency(self, channel: Channel) -> None:
        """Refuse amounts in another currency than the channel's."""
        what = f"Promotion {self.id!r}"
        if isinstance(self.rule, SpendThreshold | FreeShippingOver):
            channel.require_currency(self.rule.minimum, what=what)
        if isinstance(self.rule, SpendThreshold):
            require_reward_currency(self.rule.reward, channel, what=what)

    def qualifies(self, subtotal: Money) -> bool:
        """Tell whether an order with this subtotal meets the promotion's threshold (buy X get Y has none)."""
        if isinstance(self.rule, SpendThreshold | FreeShippingOver):
            return self.rule.minimum <= subtotal
        return True
