"""The content API: Wagtail's API v2 (pages, documents, images) for other front ends, under /api/v1/content/."""
