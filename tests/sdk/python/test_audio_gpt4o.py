"""The gpt-4o audio models through the SDK: streamed transcriptions (`transcript.text.delta` /
`.done`), `include=["logprobs"]`, speech `instructions` and `stream_format="sse"` (base64
`speech.audio.delta` events joined and decoded by ffmpeg). Not collected for SDKs without them."""

import base64
import json

from exchanges import sse_payloads
from test_audio import DEFAULT, TEN_WORDS, close, decoded_seconds, probe, wav_bytes


def test_a_streamed_transcription_joins_to_the_done_text(client):
    stream = client.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", wav_bytes(2.0)), stream=True, include=["logprobs"]
    )
    events = list(stream)
    *deltas, done = events
    assert all(e.type == "transcript.text.delta" for e in deltas)
    assert "".join(e.delta for e in deltas) == DEFAULT
    assert [e.logprobs[0].token for e in deltas] == [e.delta for e in deltas]
    assert done.type == "transcript.text.done" and done.text == DEFAULT
    assert done.usage.input_tokens == 20 and done.usage.output_tokens == len(DEFAULT.split())


def test_logprobs_and_token_usage_on_a_json_transcription(client):
    result = client.audio.transcriptions.create(
        model="gpt-4o-transcribe", file=("a.wav", wav_bytes(1.0)), include=["logprobs"], prompt="a short clip"
    )
    assert result.text == DEFAULT
    assert "".join(lp.token for lp in result.logprobs) == DEFAULT
    assert result.usage.type == "tokens"
    assert result.usage.input_token_details.audio_tokens == 10
    assert result.usage.input_token_details.text_tokens == 3


def test_speech_as_sse_carries_a_whole_file_in_base64_deltas(client, tmp_path):
    response = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input=TEN_WORDS, instructions="Cheerful.",
        response_format="wav", stream_format="sse",
    )
    assert response.response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(p) for p in sse_payloads(response.content)]
    *deltas, done = events
    assert [e["type"] for e in deltas] == ["speech.audio.delta"] * len(deltas)
    assert done["type"] == "speech.audio.done"
    assert done["usage"]["input_tokens"] == 11
    path = tmp_path / "speech.wav"
    path.write_bytes(b"".join(base64.b64decode(e["audio"]) for e in deltas))
    assert probe(path)[:2] == ("wav", "pcm_s16le")
    assert close(decoded_seconds(path), 4.0)
