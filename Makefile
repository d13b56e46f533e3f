# Two commands on a fresh machine:  make run  |  make test
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export KEFU_HOME ?= $(CURDIR)
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
OCR_STAMP := $(VENV)/.ocr-installed
RAPIDOCR := rapidocr-onnxruntime==1.4.4
SYS_PKGS := xvfb openbox xdotool xclip x11-utils imagemagick fonts-wqy-microhei \
            libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
            libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 \
            libegl1 libgl1 libfontconfig1 libdbus-1-3

.PHONY: run test venv kb sysdeps e2e clean bench train build build-ocr ocr

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11（找不到 $(PY)）"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

venv: $(STAMP)

knowledge.db: $(STAMP) $(shell find resources -type f 2>/dev/null)
	$(BIN)/kefu kb build --if-stale

kb: knowledge.db

run: $(STAMP) knowledge.db
	$(BIN)/kefu

# System packages the desktop tests need; installed only when missing (Debian/Ubuntu).
sysdeps:
	@missing=""; for p in $(SYS_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench,build]'
	@touch $@

# Optional screen watch (OCR). --no-deps: rapidocr would pull opencv-python (with its own Qt);
# the extra brings opencv-python-headless and the other dependencies instead.
$(OCR_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[ocr]'
	$(BIN)/pip install -q --no-deps $(RAPIDOCR)
	@touch $@

ocr: $(OCR_STAMP)

test: sysdeps $(TEST_STAMP) $(OCR_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: sysdeps $(TEST_STAMP) $(OCR_STAMP)
	$(BIN)/kefu bench --out docs/bench/latest.json --readme README.md
	$(BIN)/python -m ui.bench_chart docs/bench/latest.json docs/bench/latest.png
	$(BIN)/python tests/e2e/bench_ui.py --out docs/bench/ui_latency.json --readme README.md

# Rebuild the reader's weights (resources/models/reader.npz) from data/ and resources/ (fixed seed).
train: $(STAMP)
	$(BIN)/kefu train

clean:
	rm -rf $(VENV) knowledge.db knowledge.db-* cache backups

# One-folder PyInstaller build under build/kefu/ (spec: packaging/kefu.spec, notes: docs/packaging.md)
BUILD_STAMP := $(VENV)/.build-installed
$(BUILD_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[build]'
	@touch $@

build: $(BUILD_STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath build --workpath build/.work packaging/kefu.spec

# The same with the screen watch's OCR inside (~200 MB more): build/ocr/kefu/
build-ocr: $(BUILD_STAMP) $(OCR_STAMP)
	KEFU_BUILD_OCR=1 $(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath build/ocr --workpath build/.work-ocr packaging/kefu.spec
	@du -sh build/kefu | awk '{print "build/kefu: " $$1}'
