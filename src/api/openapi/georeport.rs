//! The parts of the OpenAPI document that utoipa's annotations do not write: the GeoReport v2
//! routes (one handler serves several resources by file name, so they are described here,
//! from the same parameter lists the server reads), their copies under each jurisdiction's
//! own base, `/healthz`, `/readyz`, `/metrics`, the submission form, the closed schema of the
//! posted search body and the parameter dependencies (`radius` needs `lat` and `long`).

use serde_json::{Map, Value, json};

/// Adds the GeoReport, health and metrics routes and the closed search body to `doc`.
pub fn extend(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in georeport_paths() {
        let scoped = scoped_copy(&item);
        paths.insert(format!("/jurisdictions/{{jurisdiction_id}}{path}"), scoped);
        paths.insert(path, item);
    }
    for (path, item) in plain_paths() {
        paths.insert(path.to_string(), item);
    }
    if let Some(search) = paths.get_mut("/api/v1/requests/search").and_then(|p| p.get_mut("post")) {
        search["requestBody"]["content"]["application/json"]["schema"] = search_body();
    }
    for op in paths.values_mut().flat_map(|item| item.as_object_mut().into_iter().flat_map(|o| o.values_mut())) {
        let names: Vec<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str().map(String::from))
            .collect();
        if ["lat", "long", "radius"].iter().all(|n| names.iter().any(|m| m == n)) {
            op["x-parameter-dependencies"] = dependencies();
        }
    }
    doc["components"]["schemas"]["GeoReportErrors"] = json!({
        "type": "array", "description": "The spec's errors: each with the HTTP status as its code",
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    });
    if let Some(tags) = doc.get_mut("tags").and_then(Value::as_array_mut) {
        tags.push(
            json!({"name": "georeport", "description": "The GeoReport v2 API, one city at a time (jurisdiction_id)"}),
        );
        tags.push(json!({"name": "operations", "description": "Health, readiness and metrics"}));
    }
}

/// Which parameters need which others.
fn dependencies() -> Value {
    json!({"radius": ["lat", "long"], "lat": ["long"], "long": ["lat"]})
}

fn param(name: &str, location: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": location, "required": required, "schema": schema, "description": description})
}

fn text() -> Value {
    json!({"type": "string"})
}

fn format_param() -> Value {
    param(
        "format",
        "path",
        true,
        json!({"type": "string", "enum": ["json", "xml"]}),
        "The answer's format: json or xml",
    )
}

fn jurisdiction_param() -> Value {
    param(
        "jurisdiction_id",
        "query",
        true,
        text(),
        "The city: a fed311 id from /api/v1/jurisdictions (or, where unambiguous, the city's own upstream id). Implied under /jurisdictions/{jurisdiction_id}/",
    )
}

/// Answers in JSON or XML as the file name asks.
fn answers(what: &str) -> Value {
    let both = json!({"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}, "text/xml": {"schema": {"type": "string"}}});
    let errors = json!({"application/json": {"schema": {"$ref": "#/components/schemas/GeoReportErrors"}}, "text/xml": {"schema": {"type": "string"}}});
    json!({
        "200": {"description": what, "content": both},
        "400": {"description": "A bad parameter, named in spec `errors`", "content": errors},
        "404": {"description": "Unknown jurisdiction or resource, in spec `errors`", "content": errors},
    })
}

fn get_op(id: &str, summary: &str, description: &str, parameters: Vec<Value>, what: &str) -> Value {
    json!({"get": {"operationId": id, "tags": ["georeport"], "summary": summary, "description": description,
                   "parameters": parameters, "responses": answers(what)}})
}

fn georeport_paths() -> Vec<(String, Value)> {
    let list = list_params();
    let mut requests = get_op(
        "georeport_requests",
        "Service requests of one city",
        "Newest requested first. Without `page`, `page_size` or any date, the spec's default: the last 90 days, at most 1,000. A full page carries `Link: <…>; rel=\"next\"`. `q`, `bbox` and `lat`+`long`+`radius` search through the index.",
        list,
        "The requests (a bare array, or `service_requests` in XML)",
    );
    requests["post"] = submission();
    vec![
        (
            "/open311/v2/discovery.{format}".into(),
            get_op(
                "georeport_discovery",
                "fed311's own GeoReport discovery",
                "Where this GeoReport base is; `changeset` is when the registry or a service list last changed.",
                vec![format_param()],
                "The discovery document",
            ),
        ),
        (
            "/open311/v2/services.{format}".into(),
            get_op(
                "georeport_services",
                "Services of one city",
                "As harvested from the city.",
                vec![format_param(), jurisdiction_param()],
                "The service list",
            ),
        ),
        (
            "/open311/v2/services/{service_code}.{format}".into(),
            get_op(
                "georeport_service_definition",
                "A service's definition (its questions)",
                "As harvested from the city.",
                vec![
                    param("service_code", "path", true, text(), "The city's service code"),
                    format_param(),
                    jurisdiction_param(),
                ],
                "The service definition",
            ),
        ),
        ("/open311/v2/requests.{format}".into(), requests),
        (
            "/open311/v2/requests/{service_request_id}.{format}".into(),
            get_op(
                "georeport_request",
                "One service request",
                "An array of one, as the spec shapes it.",
                vec![
                    param("service_request_id", "path", true, text(), "The city's id of the request"),
                    format_param(),
                    jurisdiction_param(),
                ],
                "The request",
            ),
        ),
        (
            "/open311/v2/tokens/{token}.{format}".into(),
            get_op(
                "georeport_token",
                "The city's id for a submission",
                "The city's `service_request_id` once it has the report; the city's refusal (400 for its data, 502 otherwise) if it refused it.",
                vec![param("token", "path", true, text(), "The token a submission was answered with"), format_param()],
                "The token and, once known, the city's id",
            ),
        ),
    ]
}

fn list_params() -> Vec<Value> {
    let time = json!({"type": "string", "format": "date-time"});
    let number = json!({"type": "number"});
    let whole = |max: u64| json!({"type": "integer", "minimum": 1, "maximum": max});
    vec![
        format_param(),
        jurisdiction_param(),
        param(
            "service_request_id",
            "query",
            false,
            text(),
            "A comma list of at most 1,000 ids; overrides every other filter",
        ),
        param("service_code", "query", false, text(), "Only these service codes (a comma list)"),
        param(
            "start_date",
            "query",
            false,
            time.clone(),
            "Requested at or after; without a zone, in the city's time zone",
        ),
        param("end_date", "query", false, time.clone(), "Requested at or before"),
        param(
            "status",
            "query",
            false,
            json!({"type": "string", "enum": ["open", "closed", "open,closed"]}),
            "open, closed, or both",
        ),
        param("updated_after", "query", false, time.clone(), "Updated at or after (extension)"),
        param("updated_before", "query", false, time, "Updated at or before (extension)"),
        param("page", "query", false, whole(u64::from(u32::MAX)), "Page, from 1 (extension)"),
        param(
            "page_size",
            "query",
            false,
            whole(1000),
            "Requests per page: default 100 when paging, at most 1000 (extension)",
        ),
        param("q", "query", false, text(), "Full text (extension; through the index)"),
        param("bbox", "query", false, text(), "west,south,east,north (extension)"),
        param(
            "lat",
            "query",
            false,
            number.clone(),
            "Latitude of the circle's centre; needs long and radius (ignored without radius)",
        ),
        param(
            "long",
            "query",
            false,
            number.clone(),
            "Longitude of the circle's centre; needs lat and radius (ignored without radius)",
        ),
        param("radius", "query", false, number, "Metres around lat, long; needs lat and long"),
    ]
}

/// `POST requests.{format}`: the spec's form.
fn submission() -> Value {
    let mut properties = Map::new();
    let described = [
        ("api_key", "A fed311 client key (FED311_API_KEYS); never forwarded, never echoed"),
        ("jurisdiction_id", "The city; without it, the city whose boundary holds lat, long"),
        ("service_code", "The city's service code"),
        ("lat", "Latitude (with long)"),
        ("long", "Longitude (with lat)"),
        ("address_string", "Address, at most 1,000 characters"),
        ("address_id", "The city's address id"),
        ("email", "The reporter's email"),
        ("device_id", "Device id"),
        ("account_id", "Account id"),
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("phone", "Phone"),
        ("description", "What is wrong, at most 4,000 characters"),
        ("media_url", "An http(s) URL of a photo"),
    ];
    for (name, description) in described {
        properties.insert(name.into(), json!({"type": "string", "description": description}));
    }
    let schema = json!({
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": properties,
        "patternProperties": {"^attribute\\[[^\\]]+\\](\\[\\])?$": {"type": "string", "description": "An answer to a question of the service definition; `attribute[CODE][]` repeated for lists"}},
        "additionalProperties": false,
        "dependentRequired": {"lat": ["long"], "long": ["lat"]},
        "maxProperties": 200,
    });
    let receipt = json!({"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": "string"}, "service_notice": {"type": "string"}}}}},
        "text/xml": {"schema": {"type": "string"}}});
    let errors = json!({"application/json": {"schema": {"$ref": "#/components/schemas/GeoReportErrors"}}, "text/xml": {"schema": {"type": "string"}}});
    json!({
        "operationId": "georeport_submit", "tags": ["georeport"], "summary": "Submit a report to a city",
        "description": "Checked against the service definition, kept in a durable outbox and forwarded with the city's own key. The answer has the city's id when it answers within 5 s, else a token. A city fed311 has not reached yet is not verified: the report is queued and the city judges it.",
        "parameters": [format_param()],
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": schema}}},
        "responses": {
            "200": {"description": "The city's id, or a token", "content": receipt},
            "400": {"description": "A field is wrong (named), or the city found the data wrong", "content": errors},
            "403": {"description": "api_key missing or not valid", "content": errors},
            "415": {"description": "Not a form", "content": errors},
            "502": {"description": "The city refused it for another reason than its data", "content": errors},
        },
    })
}

/// The same operations under `/jurisdictions/{jurisdiction_id}/`: `jurisdiction_id` in the
/// path instead of the query.
fn scoped_copy(item: &Value) -> Value {
    let mut copy = item.clone();
    for op in copy.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
        if let Some(id) = op["operationId"].as_str() {
            op["operationId"] = json!(format!("{id}_scoped"));
        }
        let mut params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
        params.retain(|p| p["name"] != "jurisdiction_id");
        params.push(param("jurisdiction_id", "path", true, text(), "The city whose own base this is"));
        op["parameters"] = json!(params);
    }
    copy
}

fn plain_paths() -> Vec<(&'static str, Value)> {
    let plain = |id: &str, summary: &str, ok: &str, other: Option<(&str, &str)>| {
        let mut responses =
            json!({"200": {"description": ok, "content": {"text/plain": {"schema": {"type": "string"}}}}});
        if let Some((status, description)) = other {
            responses[status] =
                json!({"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}});
        }
        json!({"get": {"operationId": id, "tags": ["operations"], "summary": summary, "responses": responses}})
    };
    vec![
        (
            "/healthz",
            plain(
                "healthz",
                "The process is up and the store answers (never rate limited)",
                "`ok`",
                Some(("503", "The store does not answer")),
            ),
        ),
        (
            "/readyz",
            plain(
                "readyz",
                "The search index has caught up with the store since the start",
                "`ready` and the index lag",
                Some(("503", "Still catching up: the lag, in store changes")),
            ),
        ),
        (
            "/metrics",
            plain(
                "metrics",
                "Prometheus metrics: requests and latency histogram by route, harvest calls, outbox depth, per-city lag",
                "Prometheus text format 0.0.4",
                None,
            ),
        ),
        (
            "/api/v1/",
            json!({"get": {"operationId": "api_index", "tags": ["meta"], "summary": "Where this API is described", "responses": {"200": {"description": "Links to this document and the GeoReport discovery; `Link: </api/v1/openapi.json>; rel=\"service-desc\"`", "content": {"application/json": {"schema": {"type": "object"}}}}}}}),
        ),
    ]
}

/// The closed schema of `POST /api/v1/requests/search`: the GET parameters as fields plus
/// `polygon`; any other field is refused.
fn search_body() -> Value {
    let mut properties = Map::new();
    let list_or_text = json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]});
    for name in crate::api::federation::search::form::KNOWN {
        let schema = match *name {
            "lat" | "long" | "radius" => json!({"type": "number"}),
            "limit" => json!({"type": "integer", "minimum": 1}),
            "bbox" => {
                json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}]})
            }
            _ => list_or_text.clone(),
        };
        properties.insert(name.to_string(), schema);
    }
    properties.insert("polygon".into(), json!({"type": "object", "description": "A GeoJSON Polygon or MultiPolygon geometry", "required": ["type", "coordinates"], "properties": {"type": {"enum": ["Polygon", "MultiPolygon"]}, "coordinates": {"type": "array"}}}));
    json!({"type": "object", "properties": properties, "additionalProperties": false,
           "dependentRequired": {"radius": ["lat", "long"], "lat": ["long"], "long": ["lat"]}})
}
