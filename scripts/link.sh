#!/bin/sh
# rustc's linker for the firmware image (scripts/build.sh sets it): tools/pack splits the code
# into runtime and POST-only, writes the linker script fragments linker.ld includes, runs ld.
exec "${XENBIOS_PACK:?build the image with scripts/build.sh}" link "$@"
