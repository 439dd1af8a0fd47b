"""Images through the SDK on every pinned version: dall-e-2 urls fetched from oaimock, dall-e-3's
revised prompt, GPT-image models (their parameters sent as extra_body, which 1.55.3 needs),
edits with a mask and variations from uploads, and their errors. Pillow opens every image at the
requested size, mode and format; bodies are validated against ImagesResponse by
exchanges.check_exchange. WebP is lossy: Pillow's decode is compared with the PNG of the same
prompt, at several output_compression."""

import base64
import io
import json
import math

import openai
import pytest
from PIL import Image, ImageChops, ImageStat

from check_exchange_log import LoggedExchange
from conftest import httpx, raises
from exchanges import check_exchange
from schemas import SPEC


def opened(data, fmt, size, mode):
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every pixel: a broken stream fails here
    assert (image.format, image.size, image.mode) == (fmt, size, mode)
    return image


def png(client, size="256x256", prompt="source"):
    result = client.images.generate(prompt=prompt, size=size, response_format="b64_json")
    return base64.b64decode(result.data[0].b64_json)


def test_dall_e_2_urls_are_served_by_oaimock(client, server):
    result = client.images.generate(prompt="a red barn", n=2, size="512x512")
    assert len(result.data) == 2
    seen = []
    for item in result.data:
        assert item.b64_json is None and item.url.startswith(server.url + "/_oaimock/images/img_")
        got = httpx.get(item.url)
        assert got.status_code == 200 and got.headers["content-type"] == "image/png"
        opened(got.content, "PNG", (512, 512), "RGB")
        seen.append(got.content)
    assert seen[0] != seen[1]


def test_dall_e_3_revises_the_prompt_in_base64(client):
    result = client.images.generate(
        model="dall-e-3", prompt="an otter", size="1792x1024", quality="hd", style="vivid", response_format="b64_json"
    )
    [item] = result.data
    assert item.revised_prompt == "A pattern of coloured cells drawn for the prompt: an otter"
    opened(base64.b64decode(item.b64_json), "PNG", (1792, 1024), "RGB")
    again = client.images.generate(
        model="dall-e-3", prompt="an otter", size="1792x1024", quality="hd", style="vivid", response_format="b64_json"
    )
    assert again.data[0].b64_json == item.b64_json, "the same prompt draws the same image"


@pytest.mark.parametrize(
    "fmt,background,mode",
    [("png", "transparent", "RGBA"), ("png", "opaque", "RGB"), ("jpeg", "opaque", "RGB"), ("webp", "transparent", "RGBA"), ("webp", "auto", "RGB")],
)
def test_gpt_image_formats_open_in_their_mode(client, fmt, background, mode):
    extra = {"output_format": fmt, "background": background}
    if fmt != "png":
        extra["output_compression"] = 70
    result = client.images.generate(model="gpt-image-1", prompt="a glass of water", size="1536x1024", extra_body=extra)
    raw = result.model_dump()
    assert raw["output_format"] == fmt and raw["size"] == "1536x1024" and raw["quality"] == "high"
    assert raw["background"] == ("transparent" if background == "transparent" else "opaque")
    assert raw["usage"]["output_tokens"] == 6208 and raw["usage"]["input_tokens_details"]["text_tokens"] == 4
    [item] = result.data
    assert item.url is None
    opened(base64.b64decode(item.b64_json), {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[fmt], (1536, 1024), mode)


def psnr(a, b):
    """Peak signal-to-noise ratio of two images' RGB, in dB."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mse = sum(ImageStat.Stat(diff).sum2) / (3 * a.size[0] * a.size[1])
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def gpt_image(client, prompt, **extra):
    result = client.images.generate(model="gpt-image-1", prompt=prompt, size="1536x1024", extra_body=extra)
    return base64.b64decode(result.data[0].b64_json)


@pytest.mark.parametrize("prompt", ["a glass of water", "a lighthouse", "an otter"])
def test_webp_is_lossy_near_the_png_and_smaller_as_output_compression_falls(client, prompt):
    reference = opened(gpt_image(client, prompt, output_format="png"), "PNG", (1536, 1024), "RGB")
    files = {c: gpt_image(client, prompt, output_format="webp", output_compression=c) for c in (100, 50, 10)}
    assert gpt_image(client, prompt, output_format="webp") == files[100], "100 is the default"
    for data in files.values():
        assert data[12:16] == b"VP8 ", "a lossy frame"
    quality = {c: psnr(reference, opened(data, "WEBP", (1536, 1024), "RGB")) for c, data in files.items()}
    assert quality[100] >= 30, quality
    assert quality[100] >= quality[50] >= quality[10], quality
    sizes = [len(files[c]) for c in (100, 50, 10)]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 3, sizes


def test_a_transparent_webp_keeps_the_png_s_alpha_exactly(client):
    png = gpt_image(client, "a lighthouse", output_format="png", background="transparent")
    webp = gpt_image(client, "a lighthouse", output_format="webp", background="transparent", output_compression=60)
    assert webp[12:16] == b"VP8X" and webp[30:34] == b"ALPH"
    reference, image = opened(png, "PNG", (1536, 1024), "RGBA"), opened(webp, "WEBP", (1536, 1024), "RGBA")
    assert image.getchannel("A").tobytes() == reference.getchannel("A").tobytes(), "alpha is lossless"
    assert psnr(reference, image) >= 30


def test_gpt_image_2_draws_a_free_size(client, wire):
    """gpt-image-2 takes any WIDTHxHEIGHT (multiples of 16, aspect 1:3 to 3:1); the answer echoes
    it, which the spec's ImagesResponse.size enum does not allow: the validator's named exception."""
    result = client.images.generate(model="gpt-image-2", prompt="a wide harbour", size="1536x864")
    assert json.loads(bytes(wire[0].body))["size"] == "1536x864"
    assert result.model_dump()["size"] == "1536x864"
    opened(base64.b64decode(result.data[0].b64_json), "PNG", (1536, 864), "RGB")


def image_answer(model, size):
    """A logged generation of `model` answered with `size`, as check_exchange takes it."""
    body = {"created": 1, "data": [{"b64_json": "AAAA"}], "size": size}
    return LoggedExchange({
        "source": "test_images.py", "method": "POST", "path": "/v1/images/generations",
        "request_headers": {"Content-Type": "application/json"}, "request_body": json.dumps({"model": model, "prompt": "x"}),
        "status": 200, "headers": {"Content-Type": "application/json"},
        "body_b64": base64.b64encode(json.dumps(body).encode()).decode(), "length": 0, "finished": True,
    })


def test_the_free_size_exception_is_no_wider_than_gpt_image_2():
    check_exchange(image_answer("gpt-image-2", "1536x864"))
    check_exchange(image_answer("gpt-image-2-2026-04-21", "3840x2160"))
    check_exchange(image_answer("gpt-image-1", "1536x1024"))
    if not SPEC.is_file():
        return  # without the spec nothing is validated (the run says so in a NOTE)
    for model, size in [("gpt-image-1", "1536x864"), ("gpt-image-2x", "1536x864"), ("gpt-image-2", "1536 x 864"), ("gpt-image-2", "auto")]:
        with pytest.raises(AssertionError, match="ImagesResponse"):
            check_exchange(image_answer(model, size))


def test_an_edit_with_a_mask_and_variations_from_uploads(client, tmp_path):
    source = png(client)
    path = tmp_path / "source.png"
    path.write_bytes(source)
    result = client.images.edit(
        model="dall-e-2", image=("source.png", source, "image/png"), mask=path, prompt="add a hat",
        size="512x512", response_format="b64_json",
    )
    opened(base64.b64decode(result.data[0].b64_json), "PNG", (512, 512), "RGB")
    with path.open("rb") as f:
        result = client.images.create_variation(image=f, n=2, size="256x256")
    assert len(result.data) == 2
    for item in result.data:
        opened(httpx.get(item.url).content, "PNG", (256, 256), "RGB")
    result = client.images.edit(model="gpt-image-1", image=path, prompt="make it blue")
    opened(base64.b64decode(result.data[0].b64_json), "PNG", (1024, 1024), "RGB")
    assert result.model_dump()["usage"]["input_tokens_details"]["image_tokens"] == 85 + 170


def test_errors_are_the_api_s(client):
    err = raises(openai.BadRequestError, lambda: client.images.generate(model="dall-e-3", prompt="x", n=2))
    assert err.response.json()["error"]["message"] == "You must provide n=1 for this model." and err.param is None
    err = raises(openai.BadRequestError, lambda: client.images.generate(model="dall-e-3", prompt="x", size="256x256"))
    assert (err.code, err.param) == ("invalid_size", None)
    err = raises(
        openai.BadRequestError, lambda: client.images.generate(model="gpt-image-1", prompt="x", response_format="url")
    )
    assert (err.code, err.param) == ("unknown_parameter", "response_format")
    err = raises(
        openai.BadRequestError,
        lambda: client.images.edit(model="dall-e-2", image=("a.txt", b"hello", "text/plain"), prompt="x"),
    )
    assert (err.code, err.param) == ("invalid_image_format", "image")
    err = raises(openai.BadRequestError, lambda: client.images.create_variation(image=("a.png", b"\\x89PNG", "image/png")))
    assert err.param == "image"
