"""Soundtracks for recap videos, synthesised here: no audio file is shipped, fetched or licensed.

Each track is a four-bar loop — a soft chord pad, a bass on the first and third beats, a plucked
arpeggio — written from its chords with numpy, repeated to the video's length and faded in and
out. The same name and length always give the same samples (the project's own work, under its
licence).
"""

from dataclasses import dataclass

import numpy as np

RATE = 48000
FADE_IN = 1.0
FADE_OUT = 2.5
PEAK = 0.5  # −6 dBFS: music under a video, never loud


@dataclass(frozen=True)
class Track:
    name: str
    bpm: float
    root: int  # MIDI note of the key's tonic
    chords: tuple  # one chord a bar, semitones above the root


TRACKS = (
    Track("Morning", 84, 57, ((0, 4, 7), (-3, 0, 4), (5, 9, 12), (7, 11, 14))),  # A: I vi IV V
    Track("Harbour", 72, 55, ((0, 4, 7, 11), (5, 9, 12, 16), (-3, 0, 4, 7), (7, 11, 14, 17))),  # G: Imaj7 IVmaj7 vi7 V
    Track("Lanterns", 96, 60, ((0, 3, 7), (-4, 0, 3), (-7, -3, 0), (-5, -1, 2))),  # C minor: i VI iv V
)


def track_for(seed):
    """The track of a recap, chosen by a number that stays the same for it (its id)."""
    return TRACKS[seed % len(TRACKS)]


def _hz(note):
    return 440.0 * 2 ** ((note - 69) / 12)


def _tone(note, seconds, attack, decay, brightness):
    """One note: a sine with a little of its octave and fifth above, shaped by its envelope."""
    t = np.arange(int(seconds * RATE), dtype=np.float32) / RATE
    phase = 2 * np.pi * _hz(note) * t
    wave = np.sin(phase) + brightness * np.sin(2 * phase) + brightness * 0.4 * np.sin(3 * phase)
    envelope = np.minimum(1.0, t / attack) * np.exp(-decay * t)
    release = np.minimum(1.0, (seconds - t) / 0.05)  # no click at the end of a note
    return (wave * envelope * release).astype(np.float32)


def _add(buffer, start, sound, gain, pan):
    end = min(buffer.shape[1], start + sound.size)
    buffer[0, start:end] += sound[: end - start] * gain * (1 - pan)
    buffer[1, start:end] += sound[: end - start] * gain * (1 + pan)


def _loop(track):
    beat = 60.0 / track.bpm
    bar = 4 * beat
    loop = np.zeros((2, int(round(bar * len(track.chords) * RATE))), dtype=np.float32)
    for number, chord in enumerate(track.chords):
        start = int(round(number * bar * RATE))
        for tone in chord:
            _add(loop, start, _tone(track.root + tone, bar, 0.6, 0.35, 0.15), 0.22, 0.0)
        for half in (0, 2):
            bass = _tone(track.root + chord[0] - 12, 2 * beat, 0.01, 1.2, 0.3)
            _add(loop, start + int(half * beat * RATE), bass, 0.35, 0.0)
        for step in range(8):
            note = track.root + 12 + chord[step % len(chord)]
            pluck = _tone(note, beat, 0.005, 5.0, 0.5)
            _add(loop, start + int(step * beat / 2 * RATE), pluck, 0.12, -0.3 if step % 2 else 0.3)
    return loop


def soundtrack(track, seconds):
    """`track` as float32 stereo samples (2, n) at RATE, `seconds` long, faded in and out."""
    loop = _loop(track)
    count = int(round(seconds * RATE))
    repeats = -(-count // loop.shape[1])
    samples = np.tile(loop, (1, max(1, repeats)))[:, :count]
    t = np.arange(count, dtype=np.float32) / RATE
    fade = np.minimum(1.0, np.minimum(t / FADE_IN, (seconds - t) / FADE_OUT)).clip(0.0, 1.0)
    samples = samples * fade
    peak = float(np.abs(samples).max()) or 1.0
    return (samples * (PEAK / peak)).astype(np.float32)
