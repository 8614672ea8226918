"""Delivery channels: one module each (email, sms, webhooks), each with a `send(notification)` that either returns
(delivered), or raises TemporaryError (try again later) or PermanentError (retrying cannot help: a refused address,
a 4xx from a webhook, a robot that rejects the message). notifications.delivery picks the channel's `send`; this
package imports none of its modules, so they may import the errors from it."""


class DeliveryError(Exception):
    permanent = False


class TemporaryError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    permanent = True
