"""What a price query brings: where and when it is asked, the order's lines, and the quarter's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.pricing.errors import InvalidQuantity, InvalidSchedule
from domain.pricing.model import Channel, ChannelPrice, Destination, ProductFacts
from domain.pricing.promotions import CataloguePromotion, OrderPromotion
from domain.pricing.shipping import ShippingMethod
from domain.pricing.tax import TaxRates
from domain.pricing.vouchers import Voucher, VoucherUsage

MAX_QUANTITY = 10_000


@dataclass(frozen=True, slots=True)
class PricingContext:
    """Where and when a price is asked: the channel, the moment, and the tax rates at the destination."""

    channel: Channel
    now: datetime
    tax_rates: TaxRates

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise InvalidSchedule("The pricing moment must be timezone-aware.", field="now")


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """A variant in a cart: its channel price, its product's facts, how many, and what one unit weighs."""

    price: ChannelPrice
    product: ProductFacts
    quantity: int
    weight_grams: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise InvalidQuantity(f"A quantity is between 1 and {MAX_QUANTITY}.", field="quantity")
        if self.weight_grams < 0:
            raise InvalidQuantity("A weight is zero grams or more.", field="weight")


@dataclass(frozen=True, slots=True)
class ShippingChoice:
    """The method the shopper picked, and the methods the `ShippingRates` port offers at the destination."""

    method_id: str
    destination: Destination
    methods: tuple[ShippingMethod, ...]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A cart to price: lines, the codes applied to it, who is buying, and how it ships (`None`: not chosen)."""

    context: PricingContext
    lines: tuple[OrderLineInput, ...]
    customer_id: str | None = None
    voucher_codes: tuple[str, ...] = ()
    shipping: ShippingChoice | None = None


@dataclass(frozen=True, slots=True)
class PricingRules:
    """The rules that change every quarter: promotions, and the vouchers (with usage) behind the applied codes."""

    catalogue_promotions: tuple[CataloguePromotion, ...] = ()
    order_promotions: tuple[OrderPromotion, ...] = ()
    vouchers: tuple[Voucher, ...] = ()
    voucher_usage: tuple[VoucherUsage, ...] = ()


NO_RULES = PricingRules()


@dataclass(frozen=True, slots=True)
class ProductInputs:
    """A product's facts and its variants' prices in one channel, as the reader found them."""

    facts: ProductFacts
    prices: tuple[ChannelPrice, ...]
