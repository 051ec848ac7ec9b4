"""Money as clients see it: an exact decimal amount (serialised as a string) with its currency."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.pricing.breakdown import TaxedRange
from domain.pricing.model import PriceBasis
from domain.shared.money import Money as DomainMoney


@strawberry.type(description="An exact amount of money in one currency.")
class Money:
    amount: Decimal = strawberry.field(description="The amount, exact, as a decimal string.")
    currency: str = strawberry.field(description="The ISO 4217 currency code.")

    @classmethod
    def from_domain(cls, money: DomainMoney) -> Money:
        return cls(amount=money.amount, currency=money.currency)


@strawberry.type(description="The lowest and highest price among a product's variants.")
class PriceRange:
    start: Money = strawberry.field(description="The lowest price.")
    stop: Money = strawberry.field(description="The highest price.")

    @classmethod
    def from_domain(cls, prices: TaxedRange, basis: PriceBasis) -> PriceRange:
        """Return the range on the side the channel's prices are entered in."""
        return cls(
            start=Money.from_domain(prices.start.entered(basis)), stop=Money.from_domain(prices.stop.entered(basis))
        )
