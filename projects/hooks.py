"""Other apps are told about project events through callbacks registered here.

``projects`` imports nothing from the apps that listen (the agents app, notifications...): a
listener registers itself from its own ``AppConfig.ready()``::

    from projects.hooks import on_deployment_failed

    @on_deployment_failed
    def investigate(deployment_id):
        ...

Callbacks run after the transaction that recorded the failure commits, with the deployment's id
(never a model object). A failing callback is logged and does not stop the others.
"""

import logging

from config.registry import Callbacks

logger = logging.getLogger(__name__)

_deployment_failed = Callbacks()


def on_deployment_failed(callback):
    """Register ``callback(deployment_id)``; usable as a decorator. Registering twice is a no-op."""
    return _deployment_failed.register(callback)


def remove_deployment_failed_listener(callback):
    _deployment_failed.unregister(callback)


def deployment_failed(deployment_id):
    """Call every listener with the failed deployment's id."""
    for callback in _deployment_failed:
        try:
            callback(deployment_id)
        except Exception:
            logger.exception("A deployment-failed listener (%r) failed for deployment %s", callback, deployment_id)
