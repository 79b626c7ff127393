"""GET /api/v1/search/resources/: public, the shape the page and other nodes read, 400s, query count."""

URL = "/api/v1/search/resources/"


def test_anonymous_search_returns_count_results_facets_and_pages(client, catalogue):
    response = client.get(URL, {"resource_class": "intelligent", "page_size": "2", "user_city": "510100"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "page", "page_size", "num_pages", "results", "facets"}
    assert (body["count"], body["page"], body["num_pages"]) == (4, 1, 2)
    assert [row["name"] for row in body["results"]] == ["昇腾训练集群", "A100 训练集群"]
    first = body["results"][0]
    assert first["provider"]["name"] == "天府算力科技有限公司"
    assert first["best_line"]["bandwidth_mbps"] == 10000
    assert first["price_performance"] is None  # the Ascend card's FP16 figure is not published
    assert {facet["value"] for facet in body["facets"]["resource_class"]} >= {"intelligent", "edge"}


def test_hidden_records_are_not_found(client, catalogue):
    body = client.get(URL, {"page_size": "100"}).json()

    names = {row["name"] for row in body["results"]}
    assert body["count"] == 7
    assert not names & {"待审核 A100", "已下架 A100", "标识暂停 A100", "标识注销 A100"}


def test_bad_parameters_answer_400_with_field_errors(client, catalogue):
    response = client.get(URL, {"min_fp16": "fast", "sort": "fastest"})

    assert response.status_code == 400
    assert set(response.json()) == {"min_fp16", "sort"}
    assert response.json()["min_fp16"] == ["请填写数字。"]


def test_query_count_is_bounded(client, catalogue, django_assert_max_num_queries):
    client.get(URL)  # builds the in-process index
    # the freshness stamp (+ row count in a transaction), the lines, the page's resale offers (catalog.offers)
    with django_assert_max_num_queries(4):
        response = client.get(URL, {"user_city": "510100", "sort": "latency", "page_size": "100"})
    assert response.status_code == 200 and response.json()["count"] == 7


def test_the_endpoint_is_in_the_openapi_schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/search/resources/"]["get"]
    assert operation["operationId"] == "resource_search"
    assert {p["name"] for p in operation["parameters"]} >= {"q", "min_fp16", "user_city", "sort", "page"}
    assert set(operation["responses"]) == {"200", "400"}
