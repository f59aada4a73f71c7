"""HTTP API: one router per resource, the schemas, the dependencies and the one error mapping."""
