/// Lays out the energies several devices should get in one segment (one price, one headroom)
/// as runs at powers their chargers can draw, never above the headroom at any instant.
/// Internal to the solver; time is seconds from the segment's start, power W, energy Wh.
///
/// A heuristic (what it packs is a packing problem): the segment is cut into phases, each with
/// one power per device. In each phase every device needs the rate `f = need / time left`; it
/// starts at the highest power it can draw at or under `f`, then, most pressed first (the
/// largest share of the time left at full power), devices step up to the lowest power at or
/// above `f` while the headroom allows, and when someone must still wait, the ones running
/// step up further to finish sooner. A phase ends when a device is done or the segment ends.
/// Where every device can draw its rate `f`, this is one phase and exact; it loses energy only
/// where drawable powers do not fit together, and reports what each device got.
struct SegmentPacker {
    /// A device in the segment: its need and what it can draw here.
    struct Member {
        var device: Int
        var needWh: Double
        /// The most it may draw here, W (drawable; 0 when it cannot charge).
        var maxW: Double
        /// Its charger; nil: any power from 0 to `maxW`.
        var charger: Charger?
        /// Served before those of a lower rank: 2 for the device the repair makes room for, 1
        /// for a device with nowhere else to charge, 0 for the rest.
        var rank = 0

        /// The highest power it can draw at or under `powerW` (0 when none).
        func floor(_ powerW: Double) -> Double {
            let limit = min(powerW, maxW)
            guard limit > 1e-9 else { return 0 }
            guard let charger else { return limit }
            return min(charger.highestPower(atMost: limit), maxW)
        }

        /// The lowest power it can draw at or above `powerW`, at most `maxW`; nil when `powerW`
        /// is above `maxW`.
        func ceil(_ powerW: Double) -> Double? {
            guard powerW <= maxW * (1 + 1e-12) + 1e-9 else { return nil }
            guard let charger else { return min(powerW, maxW) }
            return charger.lowestPower(atLeast: powerW).map { min($0, maxW) }
        }
    }

    /// One device at one power over `[start, end)` of the segment.
    struct Run {
        var device: Int
        var start: Double
        var end: Double
        var powerW: Double
    }

    /// Packs `members` into `seconds` under `headroomW`; runs are placed towards the segment's
    /// end (the later of equally cheap schedules). Returns the runs and the energy each member
    /// got, in member order.
    /// Members of rank `protectedRank` or above never step down to make room for others.
    static func pack(
        headroomW: Double, seconds: Double, members: [Member], protectedRank: Int = .max
    ) -> (runs: [Run], deliveredWh: [Double]) {
        let count = members.count
        var need = members.map { max(0, $0.needWh) }
        var runs: [Run] = []
        var t = 0.0
        var level = [Double](repeating: 0, count: count)
        var rate = [Double](repeating: 0, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        var phases = 0
        while seconds - t > 1e-6, phases < 8 * count + 8 {
            phases += 1
            let left = seconds - t
            order.removeAll(keepingCapacity: true)
            for m in 0..<count {
                level[m] = 0
                if need[m] > 1e-9, members[m].maxW > 1e-9 {
                    order.append(m)
                    rate[m] = need[m] * 3600 / left
                }
            }
            if order.isEmpty { break }
            // Most pressed first: the largest share of the time left needed at full power.
            order.sort { a, b in
                if members[a].rank != members[b].rank { return members[a].rank > members[b].rank }
                let pa = rate[a] / members[a].maxW
                let pb = rate[b] / members[b].maxW
                return pa > pb || (pa == pb && a < b)
            }
            var load = 0.0
            for m in order {
                // One served first starts where it keeps up; the others at what they can draw under their rate.
                level[m] = members[m].rank == 2 ? members[m].ceil(rate[m]) ?? members[m].maxW : members[m].floor(rate[m])
                load += level[m]
            }
            // More than fits even at the floors: the least pressed go down (or wait).
            var index = order.count - 1
            while load > headroomW + 1e-9, index >= 0 {
                let m = order[index]
                let lowered = members[m].floor(level[m] - (load - headroomW))
                load -= level[m] - lowered
                level[m] = lowered
                index -= 1
            }
            var budget = max(0, headroomW - load)
            var waiting = false
            for m in order where level[m] < rate[m] - 1e-9 {
                let up = members[m].ceil(rate[m]) ?? members[m].maxW
                if up - level[m] <= budget + 1e-9 {
                    budget -= up - level[m]
                    level[m] = up
                } else {
                    let raised = members[m].floor(level[m] + budget)
                    if raised > level[m] {
                        budget -= raised - level[m]
                        level[m] = raised
                    }
                }
                if level[m] < rate[m] - 1e-9 { waiting = true }
            }
            if waiting {
                // One that cannot start for lack of room gets it from the others, least pressed
                // first, each stepping down but not off, when that draws more in all.
                for w in order where level[w] <= 1e-9 && rate[w] > 1e-9 {
                    // Keeping up if it can, else at least running at its lowest power.
                    let keepUp = members[w].ceil(rate[w]) ?? members[w].maxW
                    let lowest = members[w].ceil(1e-6) ?? keepUp
                    for up in keepUp == lowest ? [keepUp] : [keepUp, lowest] where up > level[w] + 1e-9 {
                        let deficit = up - level[w] - budget
                        if deficit <= 1e-9 {
                            budget -= up - level[w]
                            level[w] = up
                            break
                        }
                        var freed = 0.0
                        var changed: [(member: Int, level: Double)] = []
                        for m in order.reversed() where m != w && level[m] > 1e-9 && freed < deficit - 1e-9
                            && members[m].rank < protectedRank {
                            let lowered = members[m].floor(level[m] - (deficit - freed))
                            guard lowered > 1e-9 else { continue }
                            changed.append((m, level[m]))
                            freed += level[m] - lowered
                            level[m] = lowered
                        }
                        if freed >= deficit - 1e-9, up - level[w] - freed > 1e-9 {
                            budget += freed - (up - level[w])
                            level[w] = up
                            break
                        }
                        for change in changed { level[change.member] = change.level }
                    }
                }
            }
            // What is left: first to those running behind their rate, then, while someone
            // still falls behind, to those keeping up, to be done sooner and make room.
            for m in order where level[m] > 1e-9 && level[m] < rate[m] - 1e-9 && budget > 1e-9 {
                let raised = members[m].floor(min(level[m] + budget, members[m].ceil(rate[m]) ?? members[m].maxW))
                if raised > level[m] {
                    budget -= raised - level[m]
                    level[m] = raised
                }
            }
            if waiting, budget > 1e-9 {
                for m in order where level[m] >= rate[m] - 1e-9 && budget > 1e-9 {
                    let raised = members[m].floor(level[m] + budget)
                    if raised > level[m] {
                        budget -= raised - level[m]
                        level[m] = raised
                    }
                }
            }
            // The phase lasts until a device is done, or until one running behind its rate
            // falls far enough behind that the next power up is its rate (then the powers are
            // chosen again: those ahead may step down and it up).
            var duration = left
            var finisher = -1
            for m in order {
                if level[m] > rate[m] + 1e-9 {
                    let time = need[m] * 3600 / level[m]
                    if time < duration {
                        duration = time
                        finisher = m
                    }
                } else if level[m] < rate[m] - 1e-9, let up = members[m].ceil(rate[m]), up > rate[m] + 1e-6 {
                    let time = (up * left - need[m] * 3600) / (up - level[m])
                    if time > 1e-3, time < duration {
                        duration = time
                        finisher = -1
                    }
                }
            }
            var any = false
            for m in order where level[m] > 1e-9 {
                any = true
                runs.append(Run(device: members[m].device, start: seconds - t - duration, end: seconds - t, powerW: level[m]))
                need[m] = max(0, need[m] - level[m] * duration / 3600)
            }
            if finisher >= 0 { need[finisher] = 0 }
            if !any { break }
            t += duration
        }
        let delivered = (0..<count).map { max(0, members[$0].needWh) - need[$0] }
        return (runs, delivered)
    }

    /// How many combinations of stepped powers `packMostPower` may try per phase.
    static let combinationLimit = 4096

    /// The other layout, for segments the phases leave short (stepped chargers that must take
    /// turns): in each phase the combination of drawable powers with the most power in all
    /// runs until a device is done (every combination of the stepped chargers' powers is tried,
    /// a power charger's least and most; room left over goes to power chargers that run, then to
    /// devices without a charger). Taking turns, this
    /// gives the time to the highest powers first, which delivers the most. Nil when there are
    /// too many combinations to try.
    static func packMostPower(headroomW: Double, seconds: Double, members: [Member]) -> (runs: [Run], deliveredWh: [Double])? {
        let count = members.count
        var need = members.map { max(0, $0.needWh) }
        // Per member the powers to try (nil: no charger, any power, taken from the room left).
        let levels: [[Double]?] = members.map { member in
            guard let charger = member.charger, member.maxW > 1e-9 else { return nil }
            switch charger.kind {
            case .switch:
                return charger.maxPowerW <= member.maxW + 1e-9 ? [charger.maxPowerW] : []
            case .current:
                return (charger.steps ?? []).filter { $0 <= member.maxW + 1e-9 }
            case .power:
                // Its least and its most; with room left over, it takes more (below).
                let low = charger.minPowerW
                guard low <= member.maxW + 1e-9 else { return [] }
                return member.maxW > low + 1e-9 ? [low, member.maxW] : [low]
            }
        }
        var combinations = 1
        for level in levels { combinations *= (level?.count ?? 0) + 1; if combinations > combinationLimit { return nil } }
        var runs: [Run] = []
        var t = 0.0
        var phases = 0
        while seconds - t > 1e-6, phases < 4 * count + 4 {
            phases += 1
            let active = (0..<count).filter { need[$0] > 1e-9 && members[$0].maxW > 1e-9 }
            if active.isEmpty { break }
            let stepped = active.filter { levels[$0] != nil }
            let ranged = active.filter { levels[$0] == nil }
            var best: (total: Double, powers: [Double])?
            var powers = [Double](repeating: 0, count: count)
            func visit(_ index: Int, _ load: Double) {
                if index == stepped.count {
                    var total = load
                    var chosen = powers
                    for m in stepped where members[m].charger?.kind == .power && chosen[m] > 1e-9 {
                        let raised = min(members[m].maxW, chosen[m] + max(0, headroomW - total))
                        total += raised - chosen[m]
                        chosen[m] = raised
                    }
                    for m in ranged {
                        let power = members[m].floor(headroomW - total)
                        chosen[m] = power
                        total += power
                    }
                    if best.map({ total > $0.total + 1e-9 }) ?? true { best = (total, chosen) }
                    return
                }
                let m = stepped[index]
                powers[m] = 0
                visit(index + 1, load)
                for power in levels[m]! where load + power <= headroomW + 1e-9 {
                    powers[m] = power
                    visit(index + 1, load + power)
                }
                powers[m] = 0
            }
            visit(0, 0)
            guard let best, best.total > 1e-9 else { break }
            var duration = seconds - t
            for m in active where best.powers[m] > 1e-9 {
                duration = min(duration, need[m] * 3600 / best.powers[m])
            }
            for m in active where best.powers[m] > 1e-9 {
                runs.append(Run(device: members[m].device, start: seconds - t - duration, end: seconds - t, powerW: best.powers[m]))
                need[m] = max(0, need[m] - best.powers[m] * duration / 3600)
                if need[m] <= 1e-9 { need[m] = 0 }
            }
            t += duration
        }
        return (runs, (0..<count).map { max(0, members[$0].needWh) - need[$0] })
    }

    /// The most `member` can add to a segment already holding `runs` without moving them: at
    /// one power, in the stretches where it does not run yet and the headroom allows that power,
    /// latest first, up to `wantWh`. Returns the new runs and their energy.
    static func append(
        _ member: Member, wantWh: Double, headroomW: Double, seconds: Double, runs: [Run]
    ) -> (runs: [Run], addedWh: Double) {
        guard wantWh > 1e-9, member.maxW > 1e-9 else { return ([], 0) }
        var cuts = [0.0, seconds]
        for run in runs {
            cuts.append(run.start)
            cuts.append(run.end)
        }
        cuts.sort()
        var pieces: [(start: Double, end: Double, roomW: Double)] = []
        for (a, b) in zip(cuts, cuts.dropFirst()) where b - a > 1e-6 {
            var load = 0.0
            var busy = false
            for run in runs where run.start <= a + 1e-9 && run.end >= b - 1e-9 {
                load += run.powerW
                if run.device == member.device { busy = true }
            }
            if !busy, headroomW - load > 1e-9 { pieces.append((a, b, headroomW - load)) }
        }
        guard !pieces.isEmpty else { return ([], 0) }
        func time(atLeast powerW: Double) -> Double {
            pieces.reduce(0) { $0 + ($1.roomW >= powerW - 1e-9 ? $1.end - $1.start : 0) }
        }
        // The best power is the floor of one of the rooms; the least that delivers enough wins.
        var best: (powerW: Double, energyWh: Double)?
        var enough: Double?
        for room in Set(pieces.map(\.roomW)) {
            let power = member.floor(room)
            guard power > 1e-9 else { continue }
            let energy = power * time(atLeast: power) / 3600
            if energy >= wantWh - 1e-9 {
                if enough.map({ power < $0 }) ?? true { enough = power }
            } else if best.map({ energy > $0.energyWh }) ?? true {
                best = (power, energy)
            }
        }
        var power: Double
        var energy: Double
        if let enough {
            // As low as still delivers `wantWh` in the time a power this low may use.
            power = enough
            if let lower = member.ceil(wantWh * 3600 / max(time(atLeast: enough), 1e-9)), lower > 1e-9, lower < enough,
               lower * time(atLeast: lower) / 3600 >= wantWh - 1e-9 {
                power = lower
            }
            energy = wantWh
        } else if let best {
            power = best.powerW
            energy = best.energyWh
        } else {
            return ([], 0)
        }
        var seconds = energy * 3600 / power
        var added: [Run] = []
        for piece in pieces.reversed() where piece.roomW >= power - 1e-9 && seconds > 1e-9 {
            let length = min(seconds, piece.end - piece.start)
            added.append(Run(device: member.device, start: piece.end - length, end: piece.end, powerW: power))
            seconds -= length
        }
        let placed = added.reduce(0) { $0 + $1.powerW * ($1.end - $1.start) / 3600 }
        return (added, placed)
    }
}
