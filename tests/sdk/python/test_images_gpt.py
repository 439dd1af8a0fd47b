"""GPT-image features of newer SDKs: the typed parameters, streams of partial images (generations
and edits) and edits of several images. Every streamed image opens with Pillow; each event is
validated against ImageGenStreamEvent / ImageEditStreamEvent by exchanges.check_exchange."""

import base64
import io

from PIL import Image


def opened(b64, fmt, size, mode):
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    assert (image.format, image.size, image.mode) == (fmt, size, mode)


def test_typed_parameters_and_usage(client):
    result = client.images.generate(
        model="gpt-image-1-mini", prompt="a lighthouse", size="1024x1536", quality="medium",
        output_format="webp", output_compression=50, background="transparent", moderation="low",
    )
    assert (result.output_format, result.size, result.quality, result.background) == ("webp", "1024x1536", "medium", "transparent")
    assert result.usage.output_tokens == 1584 and result.usage.total_tokens == 1584 + 2
    opened(result.data[0].b64_json, "WEBP", (1024, 1536), "RGBA")


def test_a_generation_streams_partial_images_then_the_image(client):
    stream = client.images.generate(
        model="gpt-image-1", prompt="a lighthouse", stream=True, partial_images=3, output_format="jpeg",
        output_compression=80,
    )
    events = list(stream)
    assert [e.type for e in events] == ["image_generation.partial_image"] * 3 + ["image_generation.completed"]
    assert [e.partial_image_index for e in events[:3]] == [0, 1, 2]
    for event in events:
        assert (event.size, event.output_format, event.background) == ("1024x1024", "jpeg", "opaque")
        opened(event.b64_json, "JPEG", (1024, 1024), "RGB")
    assert events[-1].usage.output_tokens == 4160


def test_an_edit_of_two_images_streams_image_edit_events(client, tmp_path):
    first = client.images.generate(model="gpt-image-1", prompt="one", output_format="png").data[0].b64_json
    second = client.images.generate(model="gpt-image-1", prompt="two", output_format="webp").data[0].b64_json
    a, b = tmp_path / "a.png", tmp_path / "b.webp"
    a.write_bytes(base64.b64decode(first))
    b.write_bytes(base64.b64decode(second))
    stream = client.images.edit(
        model="gpt-image-1", image=[a, b], prompt="merge them", stream=True, partial_images=1,
        background="transparent", output_format="png",
    )
    events = list(stream)
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]
    for event in events:
        opened(event.b64_json, "PNG", (1024, 1024), "RGBA")
    assert events[-1].usage.input_tokens_details.image_tokens == 2 * (85 + 170 * 4)
    result = client.images.edit(model="gpt-image-1.5", image=[a, b], prompt="merge them", n=2, size="1536x1024")
    assert len(result.data) == 2
    for item in result.data:
        opened(item.b64_json, "PNG", (1536, 1024), "RGB")
