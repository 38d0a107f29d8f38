"""Speech to timed words for generated subtitles (containers/transcoder/src/options/generated-subtitles.ts).

Usage: recognize.py AUDIO.raw  (16 kHz mono signed 16-bit little-endian PCM, as ffmpeg's `-f s16le` writes it)
Prints one JSON object: {"words": [{"word": "hello", "start": 0.12, "end": 0.48}, ...]}, times in seconds.

The audio is cut into speech regions by pocketsphinx's voice activity detection, and each region is decoded with
the US English model that ships inside the pocketsphinx wheel, so long files are decoded a region at a time and
silence costs nothing. Fillers and silences (<s>, </s>, <sil>, [NOISE]) are dropped, and alternative
pronunciations ("read(2)") are reported as the word.
"""
import json
import re
import sys

from pocketsphinx import Decoder, Segmenter

SAMPLE_RATE = 16000
ALTERNATIVE = re.compile(r"\(\d+\)$")


def words_of(path):
    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    frame_rate = int(decoder.config["frate"])
    segmenter = Segmenter(sample_rate=SAMPLE_RATE)
    with open(path, "rb") as audio:
        for region in segmenter.segment(audio):
            decoder.start_utt()
            decoder.process_raw(region.pcm, full_utt=True)
            decoder.end_utt()
            for seg in decoder.seg():
                if seg.word.startswith(("<", "[")):
                    continue
                yield {
                    "word": ALTERNATIVE.sub("", seg.word),
                    "start": round(region.start_time + seg.start_frame / frame_rate, 3),
                    "end": round(region.start_time + (seg.end_frame + 1) / frame_rate, 3),
                }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: recognize.py AUDIO.raw (16 kHz mono s16le)")
    json.dump({"words": list(words_of(sys.argv[1]))}, sys.stdout)
    sys.stdout.write("\n")
