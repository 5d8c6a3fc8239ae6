#!/usr/bin/env python3
"""Writes the comparison's problem: a dynamic tariff on the repository's 15-min prices, a plan
request for 50 cars over one week (672 quarter-hours) under a binding 50 kW site limit, and one
car overnight. Deterministic (seeded); standard library only.

    generate.py [--out DIR] [--seed N] [--cars N] [--site-kw KW]
"""
import argparse
import datetime as dt
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PRICES = os.path.join(REPO, "Examples", "prices", "de-lu-2026-05-15min.csv")

# Monday 2026-05-18 00:00 Europe/Berlin to the Monday after: 672 quarter-hours of known prices.
WEEK_START = dt.datetime(2026, 5, 17, 22, 0, tzinfo=dt.timezone.utc)
SLOTS = 672
SLOT = dt.timedelta(minutes=15)
# Price per kWh = (spot EUR/MWh / 1000 + CHARGES) * (1 + VAT): the tariff's and the LP's formula.
CHARGES = 0.12
VAT = 0.19
POWERS_W = [3700, 7400, 11000]


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def tariff():
    """The dynamic tariff; its prices are the repository's CSV, named by its absolute path."""
    return {
        "timeZone": "Europe/Berlin",
        "currency": "EUR",
        "tariffs": [{"type": "dynamic", "currency": "EUR"}],
        "dynamic": {"prices": PRICES, "unit": "EUR/MWh", "charges": CHARGES, "vat": VAT},
    }


def device(device_id, start, end, power_w, energy_wh):
    return {
        "device_id": device_id,
        "direction": "IMPORT",
        "start_time": instant(start),
        "end_time": instant(end),
        "max_power": {"units": "W", "value": power_w},
        "energy": {"units": "WH", "value": energy_wh, "min_value": 0},
        "continuous": False,
        "precondition_minutes": 0,
        "price_cap": None,
    }


def fleet(cars, site_kw, seed):
    """`cars` cars plugged in at random quarter-hours of the week for 8 h to 3 days each, each
    asking for 5 kWh up to 60 % of what its charger could give in its window (at most 60 kWh)."""
    rng = random.Random(seed)
    data = []
    for i in range(cars):
        power_w = rng.choice(POWERS_W)
        arrive = rng.randrange(0, SLOTS - 32)
        length = rng.randint(32, min(SLOTS - arrive, 288))
        most_wh = min(60000, 0.6 * power_w * length / 4)
        energy_wh = rng.randrange(5000, int(most_wh) + 1, 100) if most_wh > 5000 else int(most_wh) // 100 * 100
        data.append(device(
            f"car{i + 1:02d}", WEEK_START + arrive * SLOT, WEEK_START + (arrive + length) * SLOT,
            power_w, energy_wh))
    return {"max_power": {"units": "W", "value": int(site_kw * 1000)}, "data": data}


def overnight():
    """One car, 11 kW, 33 kWh (3 h at full power), plugged in 18:00 to 07:00 Berlin time."""
    start = dt.datetime(2026, 5, 19, 16, 0, tzinfo=dt.timezone.utc)
    end = dt.datetime(2026, 5, 20, 5, 0, tzinfo=dt.timezone.utc)
    return {"max_power": {"units": "W", "value": 11000}, "data": [device("car", start, end, 11000, 33000)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO, ".build-compare", "problem"))
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--cars", type=int, default=50)
    parser.add_argument("--site-kw", type=float, default=50)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    files = {
        "tariff.json": tariff(),
        f"request-{args.cars}x{SLOTS}.json": fleet(args.cars, args.site_kw, args.seed),
        "request-1-overnight.json": overnight(),
    }
    for name, document in files.items():
        with open(os.path.join(args.out, name), "w") as handle:
            json.dump(document, handle, indent=1)
            handle.write("\n")
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
