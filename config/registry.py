"""Callback registries: how an app tells the apps built on it about its events without importing
them (docs/architecture.md). The listening app registers its callback from ``AppConfig.ready()``."""


class Callbacks:
    """An ordered set of callbacks. ``register`` is idempotent and returns the callback, so it
    serves as a decorator; iteration goes over a copy, so a callback may unregister itself."""

    def __init__(self, *callbacks):
        self._callbacks = list(callbacks)

    def register(self, callback):
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def unregister(self, callback):
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __iter__(self):
        return iter(list(self._callbacks))

    def __contains__(self, callback):
        return callback in self._callbacks
