"""`productUpdate`: change a product's name, slug, description, category or publication (staff)."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.catalog.errors import CatalogError
from schema.context import Info
from schema.relay import parse_id
from schema.types.catalog import Product
from schema.user_errors import UserError, code_for, field_path


@strawberry.enum(description="Why `productUpdate` refused a change.")
class ProductUpdateErrorCode(Enum):
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
    INVALID_NAME = "INVALID_NAME"
    INVALID_SLUG = "INVALID_SLUG"
    SLUG_TAKEN = "SLUG_TAKEN"


@strawberry.type(description="A reason `productUpdate` refused a change.")
class ProductUpdateError(UserError):
    code: ProductUpdateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.input(description="The fields to change; omitted fields stay as they are.")
class ProductUpdateInput:
    name: str | None = strawberry.field(default=None, description="The new name.")
    slug: str | None = strawberry.field(default=None, description="The new URL handle.")
    description: str | None = strawberry.field(default=None, description="The new description.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="The category to move it to.")
    is_published: bool | None = strawberry.field(
        default=None, description="Publish (`true`) or withdraw (`false`) it; a scheduled date still applies."
    )


@strawberry.type(description="The result of `productUpdate`.")
class ProductUpdatePayload:
    product: Product | None = strawberry.field(description="The product after the change.")
    user_errors: list[ProductUpdateError] = strawberry.field(description="Why the change was refused, if it was.")


@strawberry.type
class ProductUpdateMutation:
    @strawberry.mutation(
        description="Change a product's name, slug, description, category or publication. Needs catalog permission."
    )
    async def product_update(self, info: Info, id: strawberry.ID, input: ProductUpdateInput) -> ProductUpdatePayload:
        try:
            product = await info.context.catalog.update_product(
                info.context.actor,
                product_id=parse_id(id, "Product"),
                name=input.name,
                slug=input.slug,
                description=input.description,
                category_id=None if input.category_id is None else parse_id(input.category_id, "Category"),
                is_published=input.is_published,
            )
        except CatalogError as error:
            if (code := code_for(error, ProductUpdateErrorCode)) is None:
                raise
            path = field_path(error, prefix=() if error.field == "id" else ("input",))
            return ProductUpdatePayload(
                product=None, user_errors=[ProductUpdateError(field=path, message=error.message, code=code)]
            )
        return ProductUpdatePayload(product=Product.from_domain(product), user_errors=[])
