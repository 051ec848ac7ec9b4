"""Value objects and building blocks shared by every domain area."""
