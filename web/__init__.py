"""judgebox's Flask front end: pages, the native JSON API and the Judge0-compatible API."""

__all__: list[str] = []
