"""`cataloguePromotionCreate`: start or schedule a sale on catalogue prices (staff)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from domain.pricing.errors import InvalidPromotionRule, PricingError
from domain.pricing.model import FixedOff, Percentage, PercentageOff, Reward, Schedule, Target
from domain.pricing.promotions import NewCataloguePromotion
from domain.shared.errors import DomainError
from domain.shared.money import Money
from schema.context import Info
from schema.relay import parse_id
from schema.user_errors import UserError, code_for

# The domain's field names, as this mutation's input spells them.
INPUT_PATHS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "reward": ("reward",),
    "percentage": ("reward", "percentage"),
    "amount": ("reward", "fixedAmount"),
    "currency": ("reward", "currency"),
    "channel": ("channels",),
    "channels": ("channels",),
    "schedule": ("startsAt",),
    "endsAt": ("endsAt",),
}


@strawberry.enum(description="Why `cataloguePromotionCreate` refused a promotion.")
class CataloguePromotionCreateErrorCode(Enum):
    UNKNOWN_CHANNEL = "UNKNOWN_CHANNEL"
    CHANNEL_CURRENCY_MISMATCH = "CHANNEL_CURRENCY_MISMATCH"
    INVALID_PERCENTAGE = "INVALID_PERCENTAGE"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_SCHEDULE = "INVALID_SCHEDULE"
    INVALID_PROMOTION_RULE = "INVALID_PROMOTION_RULE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"


@strawberry.type(description="A reason `cataloguePromotionCreate` refused a promotion.")
class CataloguePromotionCreateError(UserError):
    code: CataloguePromotionCreateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.input(description="What a catalogue promotion takes off: exactly one of `percentage` or `fixed`.")
class RewardInput:
    percentage: Decimal | None = strawberry.field(default=None, description="Percent off each unit, 0 to 100.")
    fixed_amount: Decimal | None = strawberry.field(default=None, description="An amount off each unit.")
    currency: str | None = strawberry.field(default=None, description="The fixed amount's currency.")

    def to_domain(self) -> Reward:
        if self.percentage is not None and self.fixed_amount is None:
            return PercentageOff(Percentage(self.percentage))
        if self.fixed_amount is not None and self.percentage is None and self.currency:
            return FixedOff(Money.of(self.fixed_amount, self.currency))
        raise InvalidPromotionRule("Give a percentage, or a fixed amount with its currency.", field="reward")


@strawberry.input(description="A sale on catalogue prices; with no targets it covers every product.")
class CataloguePromotionInput:
    name: str = strawberry.field(description="Shown to shoppers as the source of the saving.")
    reward: RewardInput = strawberry.field(description="What it takes off.")
    channels: list[str] = strawberry.field(description="The channels it runs in.")
    product_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Products it covers.")
    category_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Categories (subtrees).")
    collection_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Hand-picked collections it covers."
    )
    starts_at: datetime | None = strawberry.field(default=None, description="When it starts; null: at once.")
    ends_at: datetime | None = strawberry.field(default=None, description="When it ends; null: never.")
    priority: int = strawberry.field(default=0, description="Higher wins ties between exclusive promotions.")
    stackable: bool = strawberry.field(default=False, description="Whether it combines with other stackables.")

    def to_domain(self) -> NewCataloguePromotion:
        targeted = self.product_ids or self.category_ids or self.collection_ids
        target = (
            Target(
                product_ids=frozenset(parse_id(i, "Product") for i in self.product_ids),
                category_ids=frozenset(parse_id(i, "Category") for i in self.category_ids),
                collection_ids=frozenset(parse_id(i, "Collection") for i in self.collection_ids),
            )
            if targeted
            else None
        )
        return NewCataloguePromotion(
            name=self.name,
            reward=self.reward.to_domain(),
            target=target,
            channels=frozenset(self.channels),
            schedule=Schedule(starts_at=self.starts_at, ends_at=self.ends_at),
            priority=self.priority,
            stackable=self.stackable,
        )


@strawberry.type(description="The result of `cataloguePromotionCreate`.")
class CataloguePromotionCreatePayload:
    promotion_id: strawberry.ID | None = strawberry.field(description="The new promotion's ID.")
    user_errors: list[CataloguePromotionCreateError] = strawberry.field(description="Why it was refused.")


@strawberry.type
class CataloguePromotionCreateMutation:
    @strawberry.mutation(description="Start or schedule a sale on catalogue prices. Needs pricing permission.")
    async def catalogue_promotion_create(
        self, info: Info, input: CataloguePromotionInput
    ) -> CataloguePromotionCreatePayload:
        try:
            created = await info.context.pricing.create_catalogue_promotion(
                info.context.actor, promotion=input.to_domain
            )
        except (PricingError, DomainError) as error:
            if (code := code_for(error, CataloguePromotionCreateErrorCode)) is None:
                raise
            path = ["input", *INPUT_PATHS.get(error.field, (error.field,))] if error.field else None
            errors = [CataloguePromotionCreateError(field=path, message=error.message, code=code)]
            return CataloguePromotionCreatePayload(promotion_id=None, user_errors=errors)
        return CataloguePromotionCreatePayload(promotion_id=strawberry.ID(created.id), user_errors=[])
