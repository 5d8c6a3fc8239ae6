# ChargeBridge: `make demo` and `make test` are the two set-up commands.
SWIFT ?= swift
APT_PACKAGES := mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev zlib1g-dev pkg-config openssl libcurl4
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build release test demo bench compare chaos load broker-ceiling fuzz clean

all: build

# Installs the Debian packages the build and the tests need, only when one is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

# The release build links the Swift runtime and Foundation statically (--static-swift-stdlib):
# a `chargebridge plan` process then loads 10 shared libraries instead of 25 (see docs/performance.md,
# "Against HiGHS and EMHASS"). The debug build (make test) links them dynamically as before.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# The suites that run a site on an accelerated clock (a real broker, the bridge, emulated devices,
# 120 times faster than real time) spend most of their time waiting: about 15 % of a core each.
# They run side by side (TEST_E2E_WIDTH is swift-testing's maximum parallelization width) after
# the other suites, which run one at a time: some of those are CPU-bound and would starve the
# accelerated clocks. A new suite of that kind is named ...EndToEndTests, or added to TEST_E2E.
TEST_E2E := EndToEndTests|DeviceExampleTests|GoEChargerTests|DemoSunnyDayCLITests
TEST_E2E_WIDTH ?= 4
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel --skip '$(TEST_E2E)'
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_E2E_WIDTH) $(SWIFT) test --skip-build --filter '$(TEST_E2E)'

demo: release
	.build/release/chargebridge demo

bench: release
	@BENCH=$(BENCH) .build/release/chargebridge-bench

# chargebridge plan against the same problem as an LP in HiGHS (scipy) and against EMHASS
# 0.18.7's optimiser, each a whole process timed by hyperfine; one JSON line per figure and the
# ratios (see Bench/compare/README.md). Installs hyperfine and, in .build-compare/, a Python venv
# with scipy and emhass, only when missing. COMPARE_RUNS (default 10), COMPARE_WARMUP (default 2).
COMPARE_VENV := .build-compare/venv
COMPARE_PIP := scipy==1.17.1 emhass==0.18.7
compare: release
	@command -v hyperfine >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq hyperfine >/dev/null; }
	@[ -f $(COMPARE_VENV)/.installed ] || { echo "make: installing $(COMPARE_PIP) into $(COMPARE_VENV)"; \
	  python3 -m venv $(COMPARE_VENV) && $(COMPARE_VENV)/bin/pip install -q $(COMPARE_PIP) && touch $(COMPARE_VENV)/.installed; }
	@COMPARE_RUNS=$(COMPARE_RUNS) COMPARE_WARMUP=$(COMPARE_WARMUP) $(COMPARE_VENV)/bin/python Bench/compare/run.py

# Fault campaigns (broker restarts with counters and power-only, bridge crashes) on loopback, one JSON line each.
# CHAOS_CYCLES scales the faults per campaign (default 20), CHAOS_SEED repeats a run.
chaos: release
	@CHAOS_CYCLES=$(CHAOS_CYCLES) CHAOS_SEED=$(CHAOS_SEED) .build/release/chargebridge-chaos

# Load campaign on loopback: 1,000 vehicles on one bridge, then a burst test; one JSON line.
# LOAD_VEHICLES, LOAD_SECONDS (steady phase, default 60), LOAD_SEED, LOAD_BURST_RATES="10000,50000",
# LOAD_PUBLISHER=client (the burst through the MQTT client publishers) ...
# (see docs/performance.md, Load); about 110 s by default.
load: release
	@LOAD_VEHICLES=$(LOAD_VEHICLES) LOAD_SECONDS=$(LOAD_SECONDS) LOAD_SEED=$(LOAD_SEED) LOAD_PLUGS_PER_S=$(LOAD_PLUGS_PER_S) \
	  LOAD_BURST_RATES=$(LOAD_BURST_RATES) LOAD_BURST_SECONDS=$(LOAD_BURST_SECONDS) LOAD_MAX_LAG_S=$(LOAD_MAX_LAG_S) \
	  LOAD_KEEP=$(LOAD_KEEP) LOAD_PUBLISHER=$(LOAD_PUBLISHER) .build/release/chargebridge-load

# The broker's own ceiling (no bridge): QoS 0 readings/s that mosquitto forwards to a subscriber
# costing almost nothing, driven as `make load` drives it; one JSON line per rate and subscriber.
# CEILING_RATES (default 60000,80000,100000,120000), CEILING_SUBSCRIBERS (raw,mqttv5; also mqttv311),
# CEILING_SECONDS (default 3). See docs/performance.md, "The broker's ceiling".
broker-ceiling: deps
	@command -v python3 >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 >/dev/null; }
	@CEILING_RATES=$(CEILING_RATES) CEILING_SUBSCRIBERS=$(CEILING_SUBSCRIBERS) CEILING_SECONDS=$(CEILING_SECONDS) python3 Bench/broker/ceiling.py

# libFuzzer campaign over the parsers (not part of `make test`): a separate release build with the
# fuzzer sanitizer in .build-fuzz (FUZZ_ASAN=1: also AddressSanitizer, in .build-fuzz-asan, about
# half as fast); FUZZ_SECONDS per target (default 40) or FUZZ_RUNS=10000000, FUZZ_TARGETS="a b".
# Swift's own checks (bounds, overflow, unwrapping) trap in release builds too. swiftc keeps only
# the last -sanitize= flag, so the combined -Xswiftc flag comes last.
comma := ,
FUZZ_SCRATCH := $(if $(FUZZ_ASAN),.build-fuzz-asan,.build-fuzz)
FUZZ_SANITIZE := $(if $(FUZZ_ASAN),--sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer$(comma)address,--sanitize fuzzer -Xswiftc -sanitize=fuzzer)
fuzz: deps
	CHARGEBRIDGE_FUZZ=1 $(SWIFT) build -c release --scratch-path $(FUZZ_SCRATCH) --product chargebridge-fuzz $(FUZZ_SANITIZE)
	@FUZZ_BIN=$(FUZZ_SCRATCH)/release/chargebridge-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" Fuzz/run-fuzz.sh

clean:
	rm -rf .build .build-fuzz .build-fuzz-asan .build-compare
