"""Response models: the shapes the API answers, for the OpenAPI document and generated clients."""
