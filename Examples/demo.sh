#!/usr/bin/env bash
# `make demo`: shows ChargeBridge on real day-ahead prices.
# Usage: Examples/demo.sh PATH/TO/chargebridge
set -euo pipefail
bin=${1:-.build/release/chargebridge}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Validating the example tariffs"
for file in tariff-tou.json tariff-three-layer.yaml tariff-dynamic.yaml; do
  "$bin" tariff check "$here/$file"
done

say "A dynamic tariff (DE-LU day-ahead spot + 0.12 EUR/kWh charges + 19 % VAT), one night, 15-minute prices"
"$bin" tariff rates --tariff "$here/tariff-dynamic.yaml" --from 2026-05-30T18:00 --to 2026-05-31T08:00 --format chart

say "A time-of-use tariff across the autumn DST change (Sunday 2025-10-26 has 25 hours)"
"$bin" tariff rates --tariff "$here/tariff-tou.json" --from 2025-10-24T18:00 --to 2025-10-27T09:00

if "$bin" --help | grep -q " plan "; then
  say "The cheapest schedule for 30 kWh by 07:00 at up to 11 kW"
  "$bin" plan --tariff "$here/tariff-dynamic.yaml" --request "$here/plan-request.json" --format chart
fi
