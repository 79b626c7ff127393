"""The Elasticsearch backend (used when ELASTICSEARCH_URL is set), through elasticsearch-dsl.

Searches go to an alias (``<SEARCH_INDEX_PREFIX>-compute-resources``); ``rebuild`` (``manage.py
search_reindex``) fills a new versioned index (``<alias>-<UTC timestamp>``) and moves the alias to it
in one ``update_aliases`` call, so a full reindex swaps atomically and searches never see a half
index. Changes are indexed after commit (``resources_changed``, one bulk request per batch); a
resource that stops being published is deleted from the index, so the index never holds one.

The request (``build_search``) mirrors the database backend: non-facet filters in the query,
facet-field filters in ``post_filter``, and one ``filter`` aggregation per facet holding every
facet filter except its own (disjunctive counts). Lines come from the database (a small query per
search with a user city): a latency / bandwidth filter becomes a ``terms`` filter on sites, the
latency sort a script sort on each site's line rank.
"""

import logging
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch_dsl import Index, Search
from elasticsearch_dsl import Q as EsQ

from ..documents import INDEX_SETTINGS, ComputeResourceDocument, resource_alias, resource_document, resource_rows
from ..query import ComputeQuery
from .base import (
    FACET_SIZE,
    FACETS,
    SORT_FIELDS,
    SearchBackend,
    SearchResult,
    build_facets,
    hit,
    line_allowed_sites,
    lines_from_city,
    num_pages,
    offered_resource_ids,
)

logger = logging.getLogger(__name__)

OWN_FILTER_FIELDS = {
    "resource_class": "resource_class",
    "vendor": "vendor",
    "model": "model",
    "province": "province",
    "cpu_architecture": "cpu_architecture",
    "price_band": "price_band",
    "source": "source",
}
MIN_FILTERS = (
    ("min_cards", "total_cards"),
    ("min_fp16", "fp16"),
    ("min_fp32", "fp32"),
    ("min_fp64", "fp64"),
    ("min_memory_gb", "accelerator_memory_gb"),
)
LATENCY_SCRIPT = (
    "String site = String.valueOf(doc['site_id'].value); "
    "return params.ranks.containsKey(site) ? params.ranks.get(site) : params.missing;"
)
BULK_CHUNK = 500


def _number(value):
    """Decimals become plain JSON numbers (int when whole) in the request."""
    number = float(value)
    return int(number) if number.is_integer() else number


def build_search(query: ComputeQuery, *, lines, index: str | None = None) -> Search:
    """The Elasticsearch request for ``query`` (``lines``: lines_from_city(query.user_city))."""
    search = Search(index=index or resource_alias())
    filters = [EsQ("term", published=True)]
    if query.city:
        filters.append(EsQ("term", city=query.city))
    for name, field in MIN_FILTERS:
        value = getattr(query, name)
        if value is not None:
            filters.append(EsQ("range", **{field: {"gte": _number(value)}}))
    if query.max_price is not None:
        filters.append(EsQ("range", price={"lte": _number(query.max_price)}))
    if query.min_reliability is not None:
        filters.append(EsQ("range", reliability={"gte": _number(query.min_reliability)}))
    if query.available_now:
        filters.append(EsQ("term", available_now=True))
    if query.certified_only:
        filters.append(EsQ("term", certified=True))
    offered = offered_resource_ids(query)
    if offered is not None:
        filters.append(EsQ("ids", values=[str(pk) for pk in offered]))
    allowed = line_allowed_sites(query, lines)
    if allowed is not None:
        filters.append(EsQ("terms", site_id=sorted(allowed)))
    must = [EsQ("match", text={"query": query.q, "operator": "and"})] if query.q else []
    search = search.query(EsQ("bool", filter=filters, must=must) if must else EsQ("bool", filter=filters))

    own = {
        name: EsQ("term", **{field: getattr(query, name)})
        for name, field in OWN_FILTER_FIELDS.items()
        if getattr(query, name)
    }
    if own:
        search = search.post_filter(EsQ("bool", filter=list(own.values())))
    for facet, (field, own_key) in FACETS.items():
        others = [clause for name, clause in own.items() if name != own_key]
        bucket = search.aggs.bucket(facet, "filter", filter=EsQ("bool", filter=others) if others else EsQ("match_all"))
        bucket.bucket("values", "terms", field=field, size=FACET_SIZE, order=[{"_count": "desc"}, {"_key": "asc"}])

    if query.sort == "latency":
        sort = {
            "_script": {
                "type": "number",
                "order": "asc",
                "script": {
                    "lang": "painless",
                    "source": LATENCY_SCRIPT,
                    "params": {
                        "ranks": {str(site): choice.rank for site, choice in sorted(lines.items())},
                        "missing": len(lines),
                    },
                },
            }
        }
    else:
        field, descending = SORT_FIELDS[query.sort]
        sort = {field: {"order": "desc" if descending else "asc", "missing": "_last"}}
    search = search.sort(sort, {"id": {"order": "asc"}})
    search = search.extra(track_total_hits=True)
    return search[query.offset : query.offset + query.page_size]


def es_source(document: dict) -> dict:
    """The stored source of a document (numeric copies of the per-card figures for range filters)."""
    source = dict(document)
    for precision in ("fp16", "fp32", "fp64"):
        value = document[f"{precision}_tflops_per_card"]
        source[precision] = float(value) if value is not None else None
    return source


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str, client: Elasticsearch | None = None):
        self.url = url
        self._client = client

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(self.url, request_timeout=10)
        return self._client

    def search(self, query: ComputeQuery) -> SearchResult:
        lines = lines_from_city(query.user_city)
        response = build_search(query, lines=lines).using(self.client).execute()
        documents = [hit_.to_dict() for hit_ in response]
        raw = {
            facet: {bucket.key: bucket.doc_count for bucket in response.aggregations[facet]["values"].buckets}
            for facet in FACETS
        }
        count = response.hits.total.value
        return SearchResult(
            count=count,
            results=[hit(_complete(document), query=query, lines=lines) for document in documents],
            facets=build_facets(raw),
            page=query.page,
            page_size=query.page_size,
            num_pages=num_pages(count, query.page_size),
            backend=self.name,
        )

    # --- indexing ----------------------------------------------------------------------------------
    def _actions(self, documents, index: str):
        for document in documents:
            if document["published"]:
                yield {"_op_type": "index", "_index": index, "_id": document["id"], "_source": es_source(document)}
            else:
                yield {"_op_type": "delete", "_index": index, "_id": document["id"]}

    def resources_changed(self, ids) -> None:
        ids = set(ids)
        documents = [resource_document(row) for row in resource_rows(ids=ids)]
        gone = ids - {document["id"] for document in documents}
        actions = list(self._actions(documents, resource_alias()))
        actions += [{"_op_type": "delete", "_index": resource_alias(), "_id": pk} for pk in sorted(gone)]
        try:
            _ok, errors = helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False)
        except NotFoundError:  # no index yet: build it
            self.rebuild()
            return
        for error in errors:
            if next(iter(error.values())).get("status") != 404:  # deleting what was never indexed is fine
                logger.error("search indexing failed: %s", error)

    def rebuild(self) -> int:
        alias = resource_alias()
        name = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        index = Index(name)
        index.settings(**INDEX_SETTINGS)
        index.document(ComputeResourceDocument)
        index.create(using=self.client)
        documents = (resource_document(row) for row in resource_rows(published_only=True))
        count, _errors = helpers.bulk(self.client, self._actions(documents, name), chunk_size=BULK_CHUNK)
        self.client.indices.refresh(index=name)
        previous = []
        if self.client.indices.exists_alias(name=alias):
            previous = list(self.client.indices.get_alias(name=alias))
        elif self.client.indices.exists(index=alias):  # a concrete index squatting on the alias name
            self.client.indices.delete(index=alias)
        actions = [{"remove": {"index": old, "alias": alias}} for old in previous]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for old in previous:
            self.client.indices.delete(index=old, ignore_unavailable=True)
        return count


_DOCUMENT_DEFAULTS = {"certifications": [], "vendor": None, "model": None, "identifier": None}


def _complete(source: dict) -> dict:
    """A stored source with the keys Elasticsearch leaves out when empty."""
    document = {**_DOCUMENT_DEFAULTS, **source}
    for key in (
        "vcpus_per_node",
        "memory_gb_per_node",
        "accelerator_memory_gb",
        "ppf_fp16",
        "ppf_fp32",
        "ppf_fp64",
        "reliability",
    ):
        document.setdefault(key, None)
    for key in ("fp16_tflops_per_card", "fp32_tflops_per_card", "fp64_tflops_per_card"):
        document.setdefault(key, None)
    return document
