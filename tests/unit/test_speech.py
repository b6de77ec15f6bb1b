"""Speech engines: audio a listener would accept (non-silent, plausible length), in every format,
and each refusal with its status. The cloud engine talks to a local fake of `/v1/audio/speech`."""

import sys
import threading

import pytest
from lambdachat.config import Settings
from lambdachat.errors import BadRequest, NotFound, PayloadTooLarge, RateLimited, Unauthorized, UpstreamFailed
from lambdachat.speech.base import EngineUnavailable, SpeechRequest, UnknownVoice
from lambdachat.speech.engines import SpeechSetup, check_request, get_engine, parse_request, speak
from lambdachat.speech.espeak import Espeak
from lambdachat.speech.piper_voice import PiperVoice

from tests.apps import test_services
from tests.fakes.audio import hear, hear_wav, tone_wav
from tests.fakes.upstream import FakeUpstream, OpenAIWire, Reply

SENTENCE = "The quick brown fox jumps over the lazy dog."   # about 2.5 s spoken


def assert_speech(heard, low=1.0, high=6.0):
    assert heard.rms > 300, "silent audio"
    assert low < heard.seconds < high


@pytest.mark.parametrize("engine", ["espeak", "Local"])
def test_each_local_engine_speaks_a_sentence_as_wav(engine):
    audio = speak(engine, SpeechRequest(SENTENCE))
    assert audio.content_type == "audio/wav"
    assert_speech(hear_wav(audio.data))


@pytest.mark.parametrize(("fmt", "content_type"), [("mp3", "audio/mpeg"), ("ogg", "audio/ogg"),
                                                   ("flac", "audio/flac")])
def test_compressed_formats_decode_to_the_same_speech(fmt, content_type):
    wav = hear_wav(speak("espeak", SpeechRequest(SENTENCE)).data)
    audio = speak("espeak", SpeechRequest(SENTENCE, format=fmt))
    assert audio.content_type == content_type
    heard = hear(audio.data)
    assert_speech(heard)
    assert abs(heard.seconds - wav.seconds) < 0.2  # encoder padding only
    assert len(audio.data) < len(speak("espeak", SpeechRequest(SENTENCE)).data)


@pytest.mark.parametrize("engine", ["espeak", "Local"])
def test_speed_changes_the_duration(engine):
    normal = hear_wav(speak(engine, SpeechRequest(SENTENCE)).data).seconds
    fast = hear_wav(speak(engine, SpeechRequest(SENTENCE, speed=2.0)).data).seconds
    assert fast < normal * 0.8


def test_espeak_speaks_other_languages_and_refuses_unknown_voices():
    german = SpeechRequest("Guten Tag, wie geht es dir heute?", voice="de")
    assert_speech(hear_wav(speak("espeak", german).data))
    for voice in ("xx-nope", "../../etc", "en us"):
        with pytest.raises(UnknownVoice):
            speak("espeak", SpeechRequest("hello", voice=voice))


def test_local_has_one_voice():
    assert_speech(hear_wav(speak("Local", SpeechRequest(SENTENCE, voice="joe")).data))
    with pytest.raises(NotFound):
        speak("Local", SpeechRequest("hello", voice="amy"))


def test_engines_load_once_and_concurrent_requests_do_not_mix_their_audio():
    assert get_engine("espeak") is get_engine("ESPEAK") is get_engine("espeak-ng")
    expected = len(speak("espeak", SpeechRequest(SENTENCE)).data)
    sizes: list[int] = []

    def worker():
        sizes.append(len(speak("espeak", SpeechRequest(SENTENCE)).data))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # espeak varies by a few samples run to run; mixed-up calls would double or cut the audio.
    assert len(sizes) == 6
    assert all(abs(size - expected) < expected * 0.01 for size in sizes)


def test_a_missing_engine_package_is_404_not_a_crash(monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # as in a Lambda zip without the tts extra
    with pytest.raises(EngineUnavailable):
        PiperVoice().render(SpeechRequest("hello"))
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with pytest.raises(EngineUnavailable):
        Espeak().render(SpeechRequest("hello"))


def test_the_v1_clients_default_name_gemini_is_served_by_the_default_engine():
    assert isinstance(get_engine("Gemini", SpeechSetup(Settings(tts_default="espeak"))), Espeak)
    assert isinstance(get_engine("Gemini", SpeechSetup(Settings())), PiperVoice)  # piper is installed here


def test_unknown_engines_are_404():
    for name in ("Nope", "Anthropic", "Groq"):
        with pytest.raises(NotFound):
            get_engine(name)


@pytest.mark.parametrize(("request_", "error"), [
    (SpeechRequest(""), BadRequest), (SpeechRequest("  \n"), BadRequest),
    (SpeechRequest("x" * 4097), PayloadTooLarge), (SpeechRequest("hi", format="aiff"), BadRequest),
    (SpeechRequest("hi", speed=0.1), BadRequest), (SpeechRequest("hi", speed=9), BadRequest),
])
def test_bad_requests_are_refused_before_any_engine_runs(request_, error):
    with pytest.raises(error):
        check_request(request_)


def test_the_text_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_TTS_MAX_CHARS", "5")
    with pytest.raises(PayloadTooLarge):
        check_request(SpeechRequest("123456"))


@pytest.mark.parametrize("values", [{"speed": "fast"}, {"voice": 3}, {"voice": "v" * 101}])
def test_malformed_parameters_are_400(values):
    with pytest.raises(BadRequest):
        parse_request({"text": "hi", **values}, None, None)


# ---- OpenAI-compatible cloud speech, against a local fake server --------------------------------

def cloud() -> SpeechSetup:
    """What the synthesize route hands the engines: the app's providers and credentials."""
    services = test_services()
    return SpeechSetup(services.settings, services.providers(), services.credentials)


@pytest.fixture
def openai(monkeypatch):
    with FakeUpstream() as up:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-server")
        monkeypatch.setenv("OPENAI_BASE_URL", up.base_url + "/v1")
        yield up


def audio_reply(data: bytes, content_type: str = "audio/wav") -> Reply:
    return Reply(frames=(data,), stream=False, headers=(("Content-Type", content_type),))


def test_openai_speech_sends_the_api_shape_and_returns_the_audio(openai):
    openai.script(audio_reply(tone_wav(1.5)))
    audio = speak("OpenAI", SpeechRequest("Hello there", voice="nova", speed=1.25), cloud())
    assert audio.content_type == "audio/wav"
    assert_speech(hear_wav(audio.data), 1.4, 1.6)
    seen = openai.last
    assert (seen.method, seen.path) == ("POST", "/v1/audio/speech")
    assert seen.headers["authorization"] == "Bearer sk-server"
    assert seen.json == {"model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "nova",
                         "response_format": "wav", "speed": 1.25}


def test_openai_ogg_is_asked_as_opus_and_the_callers_key_wins(openai):
    openai.script(audio_reply(b"OggS fake", "audio/ogg"))
    audio = speak("OpenAI", SpeechRequest("Hi", format="ogg", api_key="sk-caller", model="tts-1"), cloud())
    assert audio == type(audio)(b"OggS fake", "audio/ogg")
    assert openai.last.json["response_format"] == "opus"
    assert openai.last.json["model"] == "tts-1"
    assert openai.last.headers["authorization"] == "Bearer sk-caller"


@pytest.mark.parametrize(("status", "error"), [(401, Unauthorized), (429, RateLimited), (400, BadRequest),
                                               (500, UpstreamFailed)])
def test_openai_errors_become_statuses_without_leaking_the_key(openai, status, error):
    openai.script(OpenAIWire.error(status, message="refused sk-server here"))
    with pytest.raises(error) as caught:
        speak("OpenAI", SpeechRequest("Hi"), cloud())
    assert "sk-server" not in caught.value.message


def test_openai_without_any_key_is_401_before_a_request(openai, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(Unauthorized):
        speak("OpenAI", SpeechRequest("Hi"), cloud())
    assert openai.seen == []


def test_a_non_audio_answer_is_502(openai):
    openai.script(Reply(frames=(b"<html>wrong base url</html>",), stream=False,
                        headers=(("Content-Type", "text/html"),)))
    with pytest.raises(UpstreamFailed):
        speak("OpenAI", SpeechRequest("Hi"), cloud())


def test_custom_speaks_through_the_callers_base_url(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS", "1")  # the fake listens on loopback
    with FakeUpstream() as up:
        up.script(audio_reply(tone_wav(0.5)))
        audio = speak("Custom", SpeechRequest("Hi", api_base=up.base_url + "/v1"), cloud())
        assert_speech(hear_wav(audio.data), 0.4, 0.6)
        assert up.last.json["model"] == "tts-1" and "authorization" not in up.last.headers



@pytest.mark.parametrize("fmt", ["mp3", "ogg", "flac"])
def test_two_minutes_of_audio_encode_in_every_format(fmt):
    # libsndfile's Vorbis encoder used to take the process down on long single writes.
    import numpy as np
    from lambdachat.speech.base import Pcm
    from lambdachat.speech.encode import encode

    rate = 22050
    t = np.arange(120 * rate) / rate
    pcm = Pcm((np.sin(2 * np.pi * 220 * t) * 6000).astype("<i2").tobytes(), rate)
    heard = hear(encode(pcm, fmt).data)
    assert abs(heard.seconds - 120) < 0.5 and heard.rms > 3000
