"""`variantPriceUpdate`: set what a variant costs in a channel (staff)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from domain.pricing.errors import PricingError
from domain.shared.money import InvalidAmount
from schema.context import Info
from schema.relay import parse_id
from schema.types.money import Money
from schema.user_errors import UserError, code_for

# The domain's field names, as this mutation's input spells them.
INPUT_FIELDS = {"price": "amount", "amount": "amount", "compareAt": "compareAt", "channel": "channel"}


@strawberry.enum(description="Why `variantPriceUpdate` refused a change.")
class VariantPriceUpdateErrorCode(Enum):
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND"
    UNKNOWN_CHANNEL = "UNKNOWN_CHANNEL"
    PRODUCT_NOT_IN_CHANNEL = "PRODUCT_NOT_IN_CHANNEL"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_AMOUNT = "INVALID_AMOUNT"


@strawberry.type(description="A reason `variantPriceUpdate` refused a change.")
class VariantPriceUpdateError(UserError):
    code: VariantPriceUpdateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.input(description="A variant's price in one channel, in the channel's currency.")
class VariantPriceInput:
    channel: str = strawberry.field(description="The channel's slug.")
    amount: Decimal = strawberry.field(description="The price, as entered (with tax in gross channels).")
    compare_at: Decimal | None = strawberry.field(
        default=None, description="A reference price to show struck out; leaving it out removes it."
    )


@strawberry.type(description="The result of `variantPriceUpdate`.")
class VariantPriceUpdatePayload:
    price: Money | None = strawberry.field(description="The price now set.")
    compare_at: Money | None = strawberry.field(description="The compare-at price now set.")
    user_errors: list[VariantPriceUpdateError] = strawberry.field(description="Why the change was refused.")


@strawberry.type
class VariantPriceUpdateMutation:
    @strawberry.mutation(description="Set a variant's price in a channel. Needs pricing permission.")
    async def variant_price_update(
        self, info: Info, variant_id: strawberry.ID, input: VariantPriceInput
    ) -> VariantPriceUpdatePayload:
        try:
            price = await info.context.pricing.set_variant_price(
                info.context.actor,
                variant_id=parse_id(variant_id, "ProductVariant"),
                channel=input.channel,
                amount=input.amount,
                compare_at=input.compare_at,
            )
        except (PricingError, InvalidAmount) as error:
            if (code := code_for(error, VariantPriceUpdateErrorCode)) is None:
                raise
            path = (
                ["variantId"]
                if error.field == "variantId"
                else ["input", INPUT_FIELDS.get(error.field or "", "amount")]
            )
            errors = [VariantPriceUpdateError(field=path, message=error.message, code=code)]
            return VariantPriceUpdatePayload(price=None, compare_at=None, user_errors=errors)
        compare_at = Money.from_domain(price.compare_at) if price.compare_at else None
        return VariantPriceUpdatePayload(price=Money.from_domain(price.amount), compare_at=compare_at, user_errors=[])
