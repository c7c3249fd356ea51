#!/bin/sh
# make_stream.sh -- makes the load generator's test stream (tests/data/load/
# video.ycap and audio.ycap: ~10 s of VP8 + Opus RTP at ~1.5 Mbit/s, in the
# capture format of docs/recording-format.md) with GStreamer's test sources.
# Run once from the top of the repository after a build; the files are kept in
# git, so the build and the tests never run this.
#   tests/load/make_stream.sh [BUILD_DIR]
set -eu
build=${1:-build}
out=tests/data/load
mkdir -p "$out"
"$build/tests/load/yfload_mkstream" "$out/video.ycap" "$out/audio.ycap"
