"""`categoryUpdate`: change a category's name, slug or description (staff)."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.catalog.errors import CatalogError
from schema.context import Info
from schema.relay import parse_id
from schema.types.catalog import Category
from schema.user_errors import UserError, code_for, field_path


@strawberry.enum(description="Why `categoryUpdate` refused a change.")
class CategoryUpdateErrorCode(Enum):
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
    INVALID_NAME = "INVALID_NAME"
    INVALID_SLUG = "INVALID_SLUG"
    SLUG_TAKEN = "SLUG_TAKEN"


@strawberry.type(description="A reason `categoryUpdate` refused a change.")
class CategoryUpdateError(UserError):
    code: CategoryUpdateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.input(description="The fields to change; omitted fields stay as they are.")
class CategoryUpdateInput:
    name: str | None = strawberry.field(default=None, description="The new name.")
    slug: str | None = strawberry.field(default=None, description="The new URL handle.")
    description: str | None = strawberry.field(default=None, description="The new description.")


@strawberry.type(description="The result of `categoryUpdate`.")
class CategoryUpdatePayload:
    category: Category | None = strawberry.field(description="The category after the change.")
    user_errors: list[CategoryUpdateError] = strawberry.field(description="Why the change was refused, if it was.")


@strawberry.type
class CategoryUpdateMutation:
    @strawberry.mutation(description="Change a category's name, slug or description. Needs catalog permission.")
    async def category_update(self, info: Info, id: strawberry.ID, input: CategoryUpdateInput) -> CategoryUpdatePayload:
        try:
            category = await info.context.catalog.update_category(
                info.context.actor,
                category_id=parse_id(id, "Category"),
                name=input.name,
                slug=input.slug,
                description=input.description,
            )
        except CatalogError as error:
            if (code := code_for(error, CategoryUpdateErrorCode)) is None:
                raise
            path = field_path(error, prefix=() if error.field == "id" else ("input",))
            return CategoryUpdatePayload(
                category=None, user_errors=[CategoryUpdateError(field=path, message=error.message, code=code)]
            )
        return CategoryUpdatePayload(category=Category.from_domain(category), user_errors=[])
