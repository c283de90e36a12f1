"""``privaudit serve``: the web service (FastAPI) over the results store. See docs/serve.md."""
