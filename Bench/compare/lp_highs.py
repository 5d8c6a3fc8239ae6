#!/usr/bin/env python3
"""The plan request as a linear programme, solved by HiGHS through scipy.optimize.linprog.

    lp_highs.py TARIFF.json REQUEST.json [--check RESPONSE.json]

Reads the same tariff (a `dynamic` one: its CSV of spot prices in EUR/MWh, charges, vat) and
the same request (CONTRACT.md section 3; energy and max_power per car, the site's max_power)
that `chargebridge plan` reads, and prints one JSON line with the optimal cost in EUR.

Variables: the energy (kWh) each car takes in each price slot of its window, between 0 and the
car's power (capped by the site's) times the part of the slot inside its window. Constraints:
each car's energies add up to what it asks for; in each slot the cars' energies add up to at
most the site limit times the slot's length. Objective: the sum of price times energy, with
price per kWh = (spot / 1000 + charges) * (1 + vat).

--check compares the optimum with chargebridge's JSON response (`tariff.value`, shortfall 0)
and exits 1 unless they agree within 1e-6 relative.
"""
import argparse
import csv
import datetime as dt
import json
import os
import sys

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


def epoch(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def quantity(raw, scales):
    units = (raw.get("units") or next(iter(scales))).upper()
    return float(raw["value"]) * scales[units]


def load_prices(tariff_path):
    """Slots (start, end in epoch seconds) and their prices per kWh, from the tariff's CSV."""
    with open(tariff_path) as handle:
        tariff = json.load(handle)
    dynamic = tariff["dynamic"]
    if dynamic.get("chargesZones"):
        sys.exit("lp_highs.py: chargesZones are not modelled")
    scale = {"EUR/MWH": 1e-3, "EUR/KWH": 1.0}[dynamic.get("unit", "EUR/MWh").upper()]
    path = dynamic["prices"]
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(os.path.abspath(tariff_path)), path)
    starts, ends, prices = [], [], []
    with open(path, newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for start, end, spot in rows:
            starts.append(epoch(start))
            ends.append(epoch(end))
            prices.append((float(spot) * scale + dynamic["charges"]) * (1 + dynamic["vat"]))
    return np.array(starts), np.array(ends), np.array(prices)


def solve(tariff_path, request_path):
    starts, ends, prices = load_prices(tariff_path)
    with open(request_path) as handle:
        request = json.load(handle)
    power = {"W": 1e-3, "KW": 1.0}
    energy = {"WH": 1e-3, "KWH": 1.0}
    site_kw = quantity(request["max_power"], power) if request.get("max_power") else float("inf")
    rows, cols, bounds, cost, slot_of = [], [], [], [], []
    wanted = []
    for car, item in enumerate(request["data"]):
        start, end = epoch(item["start_time"]), epoch(item["end_time"])
        car_kw = min(quantity(item["max_power"], power), site_kw)
        first = np.searchsorted(ends, start, side="right")
        last = np.searchsorted(starts, end, side="left")
        for slot in range(first, last):
            hours = (min(ends[slot], end) - max(starts[slot], start)) / 3600
            rows.append(car)
            cols.append(len(cost))
            bounds.append((0.0, car_kw * hours))
            cost.append(prices[slot])
            slot_of.append(slot)
        wanted.append(quantity(item["energy"], energy))
    n = len(cost)
    a_eq = coo_matrix((np.ones(n), (rows, cols)), shape=(len(wanted), n)).tocsr()
    used = np.unique(slot_of)
    index = {slot: i for i, slot in enumerate(used)}
    a_ub = coo_matrix((np.ones(n), ([index[s] for s in slot_of], range(n))), shape=(len(used), n)).tocsr()
    b_ub = site_kw * (ends[used] - starts[used]) / 3600
    if not np.isfinite(site_kw):
        a_ub, b_ub = None, None
    result = linprog(np.array(cost), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.array(wanted),
                     bounds=bounds, method="highs")
    if result.status != 0:
        sys.exit(f"lp_highs.py: HiGHS found no optimum ({result.message})")
    binding = 0 if a_ub is None else int(np.sum(b_ub - a_ub @ result.x <= 1e-6))
    return {
        "cost_eur": float(result.fun), "cars": len(wanted), "variables": n,
        "constraints": len(wanted) + (0 if a_ub is None else len(used)),
        "site_limit_binding_slots": binding, "energy_kwh": float(sum(wanted)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tariff")
    parser.add_argument("request")
    parser.add_argument("--check", metavar="RESPONSE")
    args = parser.parse_args()
    figures = solve(args.tariff, args.request)
    if args.check:
        with open(args.check) as handle:
            response = json.load(handle)
        shortfall = sum(device["shortfall"]["value"] for device in response["data"])
        figures["chargebridge_cost_eur"] = response["tariff"]["value"]
        figures["relative_difference"] = abs(figures["chargebridge_cost_eur"] - figures["cost_eur"]) / abs(figures["cost_eur"])
        figures["agree"] = figures["relative_difference"] <= 1e-6 and shortfall == 0
    print(json.dumps(figures))
    if args.check and not figures["agree"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
