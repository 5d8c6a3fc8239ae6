#!/usr/bin/env python3
"""One car overnight as an EMHASS deferrable load, for EMHASS's own command line.

    emhass_overnight.py setup TARIFF.json REQUEST.json DIR   # writes DIR/config.json, DIR/data/,
                                                             # prints the emhass command as JSON
    emhass_overnight.py cost DIR                             # EMHASS's plan: cost and energy

`setup` turns the one-device request (CONTRACT.md section 3) and the dynamic tariff into what an
EMHASS user gives `emhass --action naive-mpc-optim` (the action Home Assistant automations call
with prices passed at run time): a config.json (and a secrets file without a Home Assistant URL or token) with one deferrable load of the car's power, not
semi-continuous (any power from 0 to nominal, like a charger that modulates), no PV, no battery,
the grid limited to the request's max_power, 15-minute steps, cost function `cost`; and runtime
parameters with the window's prices per kWh ((spot / 1000 + charges) * (1 + vat), the tariff's
formula), zero house load and PV, a prediction horizon of the window's quarter-hours, and the
car's energy as operating hours at nominal power (energy / power) between the window's first
and last step. With the token "empty" EMHASS uses only the local configuration, so the command
runs offline; it writes its plan to DIR/data/opt_res_latest.csv.

`cost` prices that plan at the same prices: sum of P_deferrable0 x price x 0.25 h.
"""
import csv
import datetime as dt
import json
import os
import shutil
import sys

STEP_MINUTES = 15


def epoch(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def window_prices(tariff_path, start, end):
    with open(tariff_path) as handle:
        dynamic = json.load(handle)["dynamic"]
    scale = {"EUR/MWH": 1e-3, "EUR/KWH": 1.0}[dynamic.get("unit", "EUR/MWh").upper()]
    path = dynamic["prices"]
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(os.path.abspath(tariff_path)), path)
    prices = []
    with open(path, newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for row_start, row_end, spot in rows:
            if epoch(row_start) >= start and epoch(row_end) <= end:
                prices.append((float(spot) * scale + dynamic["charges"]) * (1 + dynamic["vat"]))
    return prices


def setup(tariff_path, request_path, out):
    with open(request_path) as handle:
        request = json.load(handle)
    if len(request["data"]) != 1:
        sys.exit("emhass_overnight.py: the request must have one device")
    car = request["data"][0]
    start, end = epoch(car["start_time"]), epoch(car["end_time"])
    power_w = float(car["max_power"]["value"]) * (1000 if car["max_power"]["units"].upper() == "KW" else 1)
    energy_wh = float(car["energy"]["value"]) * (1000 if car["energy"]["units"].upper() == "KWH" else 1)
    site_w = float(request["max_power"]["value"]) * (1000 if request["max_power"]["units"].upper() == "KW" else 1)
    prices = window_prices(tariff_path, start, end)
    steps = int((end - start) // (STEP_MINUTES * 60))
    if len(prices) != steps:
        sys.exit(f"emhass_overnight.py: {len(prices)} prices for {steps} steps")
    config = {
        "costfun": "cost",
        "optimization_time_step": STEP_MINUTES,
        "set_use_pv": False,
        "set_use_battery": False,
        "load_forecast_method": "list",
        "weather_forecast_method": "list",
        "load_cost_forecast_method": "list",
        "production_price_forecast_method": "list",
        "maximum_power_from_grid": site_w,
        "number_of_deferrable_loads": 1,
        "nominal_power_of_deferrable_loads": [power_w],
        "minimum_power_of_deferrable_loads": [0.0],
        "cost_forecast_per_deferrable_load": [None],
        "is_electric_load": [True],
        "operating_hours_of_each_deferrable_load": [energy_wh / power_w],
        "start_timesteps_of_each_deferrable_load": [0],
        "end_timesteps_of_each_deferrable_load": [steps],
        "treat_deferrable_load_as_semi_cont": [False],
        "set_deferrable_load_single_constant": [False],
        "set_deferrable_startup_penalty": [0.0],
        "deferrable_load_max_cost": [0.0],
        "set_deferrable_max_startups": [0],
        "def_minimum_on_time": [0],
        "def_minimum_off_time": [0],
        "continual_publish": False,
    }
    runtime = {
        "prediction_horizon": steps,
        "load_cost_forecast": [round(p, 9) for p in prices],
        "prod_price_forecast": [0.0] * steps,
        "pv_power_forecast": [0.0] * steps,
        "load_power_forecast": [0.0] * steps,
        "operating_hours_of_each_deferrable_load": [energy_wh / power_w],
        "start_timesteps_of_each_deferrable_load": [0],
        "end_timesteps_of_each_deferrable_load": [steps],
    }
    out = os.path.abspath(out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "data"))
    with open(os.path.join(out, "config.json"), "w") as handle:
        json.dump(config, handle, indent=1)
    with open(os.path.join(out, "prices.json"), "w") as handle:
        json.dump(prices, handle)
    # No Home Assistant: with the token "empty" EMHASS skips fetching HA's configuration.
    with open(os.path.join(out, "secrets_emhass.yaml"), "w") as handle:
        handle.write("hass_url: empty\nlong_lived_token: empty\ntime_zone: Europe/Berlin\n"
                     "Latitude: 52.52\nLongitude: 13.405\nAltitude: 34\n")
    emhass = os.path.join(os.path.dirname(sys.executable), "emhass")
    command = [emhass, "--action", "naive-mpc-optim", "--config", os.path.join(out, "config.json"),
               "--data", os.path.join(out, "data"), "--secrets", os.path.join(out, "secrets_emhass.yaml"), "--costfun", "cost",
               "--runtimeparams", json.dumps(runtime, separators=(",", ":"))]
    print(json.dumps(command))


def cost(out):
    with open(os.path.join(out, "prices.json")) as handle:
        prices = json.load(handle)
    with open(os.path.join(out, "data", "opt_res_latest.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    powers = [float(row["P_deferrable0"]) for row in rows]
    hours = STEP_MINUTES / 60
    from importlib.metadata import version
    print(json.dumps({
        "cost_eur": sum(p * price * hours / 1000 for p, price in zip(powers, prices)),
        "energy_kwh": sum(powers) * hours / 1000, "steps": len(rows),
        "status": rows[0].get("optim_status", "?") if rows else "no rows",
        "emhass_version": version("emhass"),
    }))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "setup":
        setup(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "cost":
        cost(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
