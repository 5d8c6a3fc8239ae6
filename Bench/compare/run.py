#!/usr/bin/env python3
"""`make compare`: chargebridge plan against the same problem as an LP in HiGHS (scipy) and
against EMHASS's optimiser, each timed as a whole process with hyperfine.

    run.py [--runs N] [--warmup N] [--only NAMES]

Generates the problem (generate.py), checks that chargebridge's cost and the LP's optimum agree
within 1e-6 relative (50 cars and one car), checks EMHASS's plan for the one car costs the same,
then times every command and prints one JSON line per figure (median wall-clock seconds over
--runs runs after --warmup runs, and `cpu`, the mean user + system CPU seconds per run) and the
ratios, like `make bench`. Each line carries the machine's load average (1 min) at its start:
on a shared machine the wall-clock figures suffer first, and `cpu_ratio` is the steadier one.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(REPO, ".build-compare")
PROBLEM = os.path.join(WORK, "problem")
CHARGEBRIDGE = os.environ.get("CHARGEBRIDGE", os.path.join(REPO, ".build", "release", "chargebridge"))
PYTHON = sys.executable
GOALS = {"compare.ratio.highs": 50, "compare.ratio.emhass": 100}


def path(name):
    return os.path.join(PROBLEM, name)


def commands():
    """The timed commands; EMHASS's is its own command line, set up by emhass_overnight.py."""
    tariff = path("tariff.json")
    emhass = subprocess.run(
        [PYTHON, os.path.join(HERE, "emhass_overnight.py"), "setup", tariff, path("request-1-overnight.json"),
         os.path.join(WORK, "emhass")], check=True, capture_output=True, text=True)
    plan = [CHARGEBRIDGE, "plan", "--tariff", tariff, "--format", "json", "--request"]
    lp = [PYTHON, os.path.join(HERE, "lp_highs.py"), tariff]
    return {
        "chargebridge.50x672": plan + [path("request-50x672.json")],
        "chargebridge.1x52": plan + [path("request-1-overnight.json")],
        "highs.50x672": lp + [path("request-50x672.json")],
        "highs.1x52": lp + [path("request-1-overnight.json")],
        "emhass.1x52": json.loads(emhass.stdout),
    }


def emit(**fields):
    fields.setdefault("load_avg_1min", round(os.getloadavg()[0], 2))
    print(json.dumps(fields, sort_keys=True), flush=True)


def check(cmds):
    """The same problem: chargebridge's cost equals the LP's optimum (and EMHASS's, for one car)."""
    ok = True
    for size in ("50x672", "1x52"):
        response = path(f"response-{size}.json")
        with open(response, "w") as handle:
            subprocess.run(cmds[f"chargebridge.{size}"], stdout=handle, check=True)
        lp = subprocess.run(cmds[f"highs.{size}"] + ["--check", response], capture_output=True, text=True)
        if lp.returncode not in (0, 1):
            sys.exit(f"compare: lp_highs.py failed: {lp.stderr.strip()}")
        figures = json.loads(lp.stdout)
        ok = ok and figures["agree"]
        emit(bench=f"compare.check.{size}", lp_cost_eur=figures["cost_eur"],
             chargebridge_cost_eur=figures["chargebridge_cost_eur"],
             relative_difference=figures["relative_difference"], agree=figures["agree"],
             variables=figures["variables"], constraints=figures["constraints"],
             site_limit_binding_slots=figures["site_limit_binding_slots"], energy_kwh=figures["energy_kwh"])
        if size == "1x52" and "emhass.1x52" in cmds:
            emhass = subprocess.run(cmds["emhass.1x52"], capture_output=True, text=True)
            if emhass.returncode != 0:
                sys.exit(f"compare: emhass failed:\n{emhass.stderr[-3000:]}")
            result = json.loads(subprocess.run(
                [PYTHON, os.path.join(HERE, "emhass_overnight.py"), "cost", os.path.join(WORK, "emhass")],
                check=True, capture_output=True, text=True).stdout)
            emit(bench="compare.check.emhass.1x52", emhass_cost_eur=result["cost_eur"],
                 chargebridge_cost_eur=figures["chargebridge_cost_eur"],
                 relative_difference=abs(result["cost_eur"] - figures["chargebridge_cost_eur"]) / figures["chargebridge_cost_eur"],
                 emhass_energy_kwh=result["energy_kwh"], emhass_version=result["emhass_version"],
                 status=result["status"],
                 agree=abs(result["cost_eur"] - figures["chargebridge_cost_eur"]) <= 1e-6 * figures["chargebridge_cost_eur"])
    return ok


def hyperfine(name, command, runs, warmup):
    load = round(os.getloadavg()[0], 2)
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(
            ["hyperfine", "--shell=none", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
             "--export-json", export.name, shlex.join(command)],
            check=True, stdout=subprocess.DEVNULL)
        result = json.load(open(export.name))["results"][0]
    cpu = result["user"] + result["system"]
    emit(bench=f"compare.{name}", value=round(result["median"], 6), unit="s", stat="median", runs=len(result["times"]),
         min=round(result["min"], 6), max=round(result["max"], 6), user=round(result["user"], 6),
         system=round(result["system"], 6), cpu=round(cpu, 6), load_avg_1min=load)
    return result["median"], cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("COMPARE_RUNS") or 10))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("COMPARE_WARMUP") or 2))
    parser.add_argument("--only", help="comma-separated names, e.g. chargebridge.50x672,highs.50x672")
    args = parser.parse_args()
    if not os.access(CHARGEBRIDGE, os.X_OK):
        sys.exit(f"compare: no {CHARGEBRIDGE}; run `make release` first")
    subprocess.run([PYTHON, os.path.join(HERE, "generate.py"), "--out", PROBLEM], check=True, stdout=subprocess.DEVNULL)
    cmds = commands()
    if not check(cmds):
        sys.exit("compare: chargebridge's cost and the LP's optimum differ: not the same problem")
    wanted = set(args.only.split(",")) if args.only else set(cmds)
    medians = {name: hyperfine(name, cmd, args.runs, args.warmup) for name, cmd in cmds.items() if name in wanted}

    def ratio(bench, slow, fast):
        """Ratio of the wall-clock medians; `cpu_ratio`: of the mean CPU time (user + system) per
        run, the steadier figure when the machine is shared."""
        if slow in medians and fast in medians:
            value = medians[slow][0] / medians[fast][0]
            cpu_ratio = medians[slow][1] / medians[fast][1]
            goal = GOALS.get(bench)
            fields = {"target": goal, "met": value >= goal, "cpu_met": cpu_ratio >= goal} if goal else {}
            emit(bench=bench, value=round(value, 2), unit="x", stat="ratio of medians",
                 cpu_ratio=round(cpu_ratio, 2), of=f"{slow} / {fast}", **fields)

    ratio("compare.ratio.highs", "highs.50x672", "chargebridge.50x672")
    ratio("compare.ratio.emhass", "emhass.1x52", "chargebridge.1x52")
    ratio("compare.ratio.emhass_vs_50x672", "emhass.1x52", "chargebridge.50x672")
    ratio("compare.ratio.highs.1x52", "highs.1x52", "chargebridge.1x52")


if __name__ == "__main__":
    main()
