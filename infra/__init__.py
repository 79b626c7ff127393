"""Infrastructure below the business apps: checks of uploaded files, bounds on JSON input, the node's
systems by role, API fields. It imports none of the project's apps (organizations, catalog, search,
monitoring, federation, workflows, portal all may import it)."""
