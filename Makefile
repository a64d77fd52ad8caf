# cge: two commands on a fresh machine, `make run` and `make test`; both install what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CGE := $(VENV)/bin/cge
APT_PACKAGES := libamplsolver-dev cmake g++ libreoffice-calc-nogui
OUT := output

.PHONY: setup run test test-fast bench lint clean doctor

setup: $(VENV)/.installed $(VENV)/.solver-ok

# Debian packages: the ASL headers and library PyNumero links against, a C++ toolchain, LibreOffice headless.
$(VENV)/.apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@python3 -m venv $(VENV)
	@touch $@

$(VENV)/.installed: $(VENV)/.apt setup.cfg setup.py pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# PyNumero's ASL interface, built offline against Debian's ASL; then check the whole solver path.
$(VENV)/.solver-ok: $(VENV)/.installed
	@$(PY) -c "from pyomo.contrib.pynumero.asl import AmplInterface; raise SystemExit(0 if AmplInterface.available() else 1)" 2>/dev/null || \
	  $(PY) -m pyomo.contrib.pynumero.build -DBUILD_AMPLASL_IF_NEEDED=OFF \
	    -DASL_INCLUDE_DIR=$$(dpkg -L libamplsolver-dev | grep -m1 '/include/ampl-netlib-solvers$$') \
	    -DASL_LIBRARY=$$(dpkg -L libamplsolver-dev | grep -m1 'libamplsolver.so$$') >/dev/null
	$(CGE) doctor --strict
	@touch $@

doctor: setup
	$(CGE) doctor

# The main job: check the bundled SAMs, then the headline experiment on the China SAM
# (secondary export demand -20 % under the long-run and the short-run closure).
run: setup
	@for f in sam_data/*.xlsx; do $(CGE) sam check "$$f" >/dev/null || { $(CGE) sam check "$$f"; exit 1; }; done
	$(CGE) headline --out $(OUT)

test: setup
	$(PY) -m pytest -q -p no:cacheprovider tests

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not libreoffice and not notebook" tests

bench: setup
	$(PY) benchmarks/run.py

lint: setup
	$(VENV)/bin/ruff check cge tests benchmarks

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
