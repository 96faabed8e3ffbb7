"""Images given by URL (``{"src"}``) through the REST API are downloaded, as WordPress sideloads
them: the sandbox keeps the bytes it fetched (and serves them at its own URL), and refuses a file
that is not an image of the type its name says, or that cannot be fetched."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from woo_sandbox.media import png
from woo_sandbox.tests.conftest import wc_client

FILES = {
    "/bowl.png": png(3),
    "/page.jpg": b"<!doctype html><title>not an image</title>",
    "/photo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
}


@pytest.fixture
def files() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content = FILES.get(self.path)
            self.send_response(200 if content is not None else 404)
            self.send_header("Content-Type", "image/jpeg")  # lies, as a misconfigured server may
            self.send_header("Content-Length", str(len(content or b"")))
            self.end_headers()
            self.wfile.write(content or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_an_image_given_by_url_is_downloaded_and_served_by_the_shop(make_shop, files):
    shop = make_shop(products=2, orders=0)
    wc = wc_client(shop)
    answer = wc.post("products", {"name": "Bowl", "images": [{"src": f"{files}/bowl.png", "alt": "A bowl"}]})
    assert answer.status_code == 201, answer.text
    (image,) = answer.json()["images"]
    assert (image["name"], image["alt"]) == ("bowl", "A bowl")
    assert image["src"].startswith(shop.url + "/media/") and image["src"].endswith(".png")
    (fetched,) = shop.data.sideloads
    assert fetched["src"] == f"{files}/bowl.png" and fetched["media_id"] == image["id"]
    with urllib.request.urlopen(image["src"]) as response:
        assert response.read() == FILES["/bowl.png"]
    # Named by id later, the image is not downloaded again.
    again = wc.put(f"products/{answer.json()['id']}", {"images": [{"id": image["id"]}]})
    assert again.json()["images"][0]["id"] == image["id"] and len(shop.data.sideloads) == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/page.jpg", "Invalid image: Sorry, you are not allowed to upload this file type."),
        ("/photo.svg", "Invalid image: Sorry, you are not allowed to upload this file type."),
        ("/missing.png", "Error getting remote image"),
    ],
)
def test_what_is_not_an_image_is_refused_as_woocommerce_does(make_shop, files, path, message):
    shop = make_shop(products=2, orders=0)
    answer = wc_client(shop).post("products", {"name": "Bowl", "images": [{"src": files + path}]})
    assert answer.status_code == 400
    assert answer.json()["code"] == "woocommerce_product_image_upload_error"
    assert answer.json()["message"].startswith(message)
    assert shop.data.sideloads == []
