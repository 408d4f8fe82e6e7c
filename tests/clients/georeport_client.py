"""Drives fed311 with the `georeport` client library from PyPI, run unchanged.

Usage: georeport_client.py ROOT READ_JURISDICTION POST_JURISDICTION POST_KEY
Reads services, a service definition, the request list and one request in JSON and XML,
then posts a request (georeport has no POST, so with `requests`, as a form, the way clients
post), and prints one JSON document with what it saw for the Rust test to check.
"""
import json
import sys

import requests
from georeport import GeoReport

root, jurisdiction, post_to, key = sys.argv[1:5]
seen = {}
for fmt in ("json", "xml"):
    client = GeoReport(root, jurisdiction=jurisdiction, output_format=fmt)
    services = client.get_service_list()
    with_definition = [s for s in services if str(s["metadata"]).lower() == "true"]
    definition = client.get_service_definition(with_definition[0]["service_code"])
    # The simulated requests span years: without dates the spec's default is the last 90 days.
    listed = client.get_service_requests(status="open,closed", start_date="2010-01-01T00:00:00Z")
    one = client.get_service_request(listed[0]["service_request_id"])
    seen[fmt] = {
        "service_codes": sorted(s["service_code"] for s in services),
        "definition_code": definition["service_code"],
        "attribute_count": len(definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"]),
        "request_ids": [r["service_request_id"] for r in listed],
        "one": {k: one[k] for k in ("service_request_id", "status", "service_code")},
    }

posted = requests.post(
    f"{root}/requests.json",
    data={
        "api_key": key,
        "jurisdiction_id": post_to,
        "service_code": "GRF",
        "lat": "43.65",
        "long": "-79.38",
        "description": "Tag on the bridge, posted by the georeport test",
    },
)
seen["post"] = {"status": posted.status_code, "answer": posted.json()}
print(json.dumps(seen))
