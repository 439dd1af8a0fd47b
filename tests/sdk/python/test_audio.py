"""Speech, transcriptions and translations through the SDK, with real decoders on the bytes:
Debian's ffmpeg (ffprobe for the container and codec, a full decode for the duration and for
errors) and Python's `wave`. Transcripts as SRT and WebVTT are parsed."""

import io
import json
import re
import subprocess
import wave

import openai
import pytest

from conftest import raises

DEFAULT = "Hello from oaimock. This is a transcript of your audio."
TEN_WORDS = "one two three four five six seven eight nine ten"

# format -> (ffprobe's format name, codec name)
FORMATS = {
    "mp3": ("mp3", "mp3"),
    "opus": ("ogg", "opus"),
    "aac": ("aac", "aac"),
    "flac": ("flac", "flac"),
    "wav": ("wav", "pcm_s16le"),
    "pcm": ("s16le", "pcm_s16le"),
}
RAW_PCM = ["-f", "s16le", "-ar", "24000", "-ac", "1"]


def probe(path, pcm=False):
    """ffprobe's view of a file: (format name, codec, sample rate)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", *(RAW_PCM if pcm else []), "-show_entries",
         "format=format_name:stream=codec_name,sample_rate", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    )
    info = json.loads(out.stdout)
    stream = info["streams"][0]
    return info["format"]["format_name"], stream["codec_name"], int(stream["sample_rate"])


def decoded_seconds(path, pcm=False):
    """Decodes the whole file with ffmpeg (any decoding error fails) and measures what came out."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", *(RAW_PCM if pcm else []), "-i", str(path),
         "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
        capture_output=True,
    )
    assert out.returncode == 0 and not out.stderr, out.stderr.decode()
    return len(out.stdout) / 2 / 48000


def close(actual, expected):
    return abs(actual - expected) <= 0.1 * expected


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("speed", [1.0, 2.0])
def test_speech_decodes_in_its_format_with_the_spoken_duration(client, tmp_path, fmt, speed):
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input=TEN_WORDS, response_format=fmt, speed=speed)
    path = tmp_path / f"speech.{fmt}"
    audio.write_to_file(path)
    pcm = fmt == "pcm"
    format_name, codec, _rate = probe(path, pcm)
    assert (format_name, codec) == FORMATS[fmt]
    expected = 10 * 0.4 / speed
    seconds = decoded_seconds(path, pcm)
    assert close(seconds, expected), f"{fmt} at {speed}: {seconds} s, expected {expected}"


def test_speech_defaults_to_mp3_and_wav_opens_with_python_s_wave(client, tmp_path):
    audio = client.audio.speech.create(model="tts-1-hd", voice="nova", input=TEN_WORDS)
    assert audio.response.headers["content-type"] == "audio/mpeg"
    assert audio.content[:2] == b"\xff\xfb"
    wav = client.audio.speech.create(model="tts-1", voice="echo", input=TEN_WORDS, response_format="wav", speed=0.5)
    with wave.open(io.BytesIO(wav.content)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24000)
        assert w.getnframes() == 8 * 24000
    path = tmp_path / "speech.flac"
    client.audio.speech.create(model="tts-1", voice="echo", input=TEN_WORDS, response_format="flac").write_to_file(path)
    assert probe(path)[2] == 24000


def test_speech_streamed_by_the_sdk_s_streaming_response(client):
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=TEN_WORDS, response_format="pcm"
    ) as response:
        data = b"".join(response.iter_bytes())
    assert len(data) == 4 * 24000 * 2


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_speech_read_as_it_arrives_decodes_in_its_format_with_the_spoken_duration(client, tmp_path, fmt):
    """Speech is written a word at a time (chunked, no Content-Length, as the API sends it): the
    pieces the SDK's streaming response yields join into a file the decoders open whole."""
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=TEN_WORDS, response_format=fmt, speed=2.0
    ) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        path = tmp_path / f"streamed.{fmt}"
        with path.open("wb") as out:
            for piece in response.iter_bytes():
                out.write(piece)
    pcm = fmt == "pcm"
    format_name, codec, _rate = probe(path, pcm)
    assert (format_name, codec) == FORMATS[fmt]
    seconds = decoded_seconds(path, pcm)
    assert close(seconds, 2.0), f"{fmt}: {seconds} s, expected 2"


def test_speech_errors_name_the_parameter(client):
    error = raises(openai.BadRequestError, lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="hi", speed=5))
    assert error.param == "speed"
    error = raises(openai.BadRequestError, lambda: client.audio.speech.create(model="tts-1", voice="bob", input="hi"))
    assert error.param == "voice"


def wav_bytes(seconds, rate=16000):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()


def test_transcription_uploads_a_tuple_a_path_and_a_file_object(client, tmp_path):
    data = wav_bytes(2.5)
    path = tmp_path / "speech.wav"
    path.write_bytes(data)
    with path.open("rb") as handle:
        for upload in [("speech.wav", data, "audio/wav"), path, handle]:
            result = client.audio.transcriptions.create(model="whisper-1", file=upload)
            assert result.text == DEFAULT


def test_transcription_verbose_json_has_the_file_s_duration_words_and_segments(client):
    result = client.audio.transcriptions.create(
        model="whisper-1", file=("a.wav", wav_bytes(5.0)), response_format="verbose_json",
        timestamp_granularities=["word", "segment"], language="fr",
    )
    assert (result.language, result.duration, result.text) == ("french", 5.0, DEFAULT)
    words = result.words
    assert [w.word for w in words] == DEFAULT.split()
    assert words[0].start == 0 and words[-1].end == 5.0
    assert [s.text for s in result.segments] == [" Hello from oaimock.", " This is a transcript of your audio."]
    assert result.segments[-1].end == 5.0


def parse_cues(text, vtt):
    """(start, end, text) of each cue; the timings must be well formed and in order."""
    if vtt:
        assert text.startswith("WEBVTT\n\n")
        text = text[len("WEBVTT\n\n"):]
    sep = r"\." if vtt else ","
    stamp = rf"(\d\d):(\d\d):(\d\d){sep}(\d\d\d)"
    cues = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        if not vtt:
            assert lines.pop(0) == str(len(cues) + 1)
        m = re.fullmatch(rf"{stamp} --> {stamp}", lines[0])
        assert m, lines[0]
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        assert start < end and (not cues or cues[-1][1] <= start)
        cues.append((start, end, "\n".join(lines[1:])))
    return cues


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_subtitles_parse_and_cover_the_file(client, fmt):
    text = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_bytes(6.0)), response_format=fmt)
    cues = parse_cues(text, fmt == "vtt")
    assert [c[2] for c in cues] == ["Hello from oaimock.", "This is a transcript of your audio."]
    assert cues[0][0] == 0 and cues[-1][1] == 6.0


def test_text_format_and_translations(client):
    text = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_bytes(1.0)), response_format="text")
    assert text.strip() == DEFAULT
    result = client.audio.translations.create(model="whisper-1", file=("a.wav", wav_bytes(1.0)))
    assert result.text == DEFAULT
    verbose = client.audio.translations.create(model="whisper-1", file=("a.wav", wav_bytes(3.0)), response_format="verbose_json")
    assert (verbose.language, verbose.duration) == ("english", 3.0)


def test_transcription_of_speech_made_by_the_mock_takes_its_duration(client):
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input=TEN_WORDS, response_format="flac")
    result = client.audio.transcriptions.create(model="whisper-1", file=("speech.flac", audio.content), response_format="verbose_json")
    assert result.duration == 4.0


def test_transcription_errors_name_the_parameter(client):
    error = raises(
        openai.BadRequestError,
        lambda: client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", wav_bytes(1.0)), response_format="srt"),
    )
    assert error.param == "response_format"
    error = raises(openai.BadRequestError, lambda: client.audio.transcriptions.create(model="whisper-1", file=("notes.txt", b"hello")))
    assert error.param == "file"


def test_a_fixture_rule_scripts_the_transcript(server_with_rules, client_for):
    srv = server_with_rules([{"match": {"endpoint": "transcriptions", "body": {"file": {"filename": "meeting.wav"}}},
                              "reply": {"text": "Scripted words."}}])
    client = client_for(srv)
    result = client.audio.transcriptions.create(model="whisper-1", file=("meeting.wav", wav_bytes(1.0)))
    assert result.text == "Scripted words."
    other = client.audio.transcriptions.create(model="whisper-1", file=("other.wav", wav_bytes(1.0)))
    assert other.text == DEFAULT
