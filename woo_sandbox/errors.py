"""WordPress/WooCommerce REST error objects.

Every error the sandbox returns has the WP_Error JSON shape
``{"code": ..., "message": ..., "data": {"status": N, ...}}``, with the codes and
messages WooCommerce uses, so clients can be tested against the real strings.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered as a WP_Error JSON body with ``status`` as HTTP status."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_id(post_type: str, status: int = 404) -> ApiError:
    # WooCommerce answers 404 on GET/DELETE but 400 on update for the same unknown id.
    return ApiError(status, f"woocommerce_rest_{post_type}_invalid_id", "Invalid ID.")


def already_trashed(post_type: str) -> ApiError:
    return ApiError(410, "woocommerce_rest_already_trashed", f"The {post_type} has already been deleted.")


def trash_not_supported(message: str = "Resource does not support trashing.") -> ApiError:
    return ApiError(501, "woocommerce_rest_trash_not_supported", message)


def term_invalid() -> ApiError:
    return ApiError(404, "woocommerce_rest_term_invalid", "Resource doesn't exist.")


def no_route() -> ApiError:
    return ApiError(404, "rest_no_route", "No route was found matching the URL and request method")


def invalid_params(errors: dict[str, tuple[str, str]]) -> ApiError:
    """``errors`` maps a parameter to ``(detail_code, message)``, as rest_validate_request_arg reports."""
    return ApiError(
        400,
        "rest_invalid_param",
        "Invalid parameter(s): " + ", ".join(errors),
        params={name: message for name, (_, message) in errors.items()},
        details={name: {"code": code, "message": message, "data": None} for name, (code, message) in errors.items()},
    )
