import Foundation
import Planning
import Tariffs

/// A plan as readable text: one summary line per device, then its slots with local times,
/// power, energy, average price and cost.
struct PlanTable {
    var plan: Plan
    var tariff: Tariff

    /// The summary lines only (for the chart view).
    func summary() -> String {
        var lines = plan.devices.map(deviceLine)
        if plan.devices.count > 1 {
            lines.append("total: \(formatMoney(plan.cost)) \(tariff.currency), saves \(formatMoney(plan.savings)) "
                         + "(\(percent(plan.savings, plan.baselineCost))) against charging at once")
        }
        return lines.joined(separator: "\n")
    }

    func render() -> String {
        var blocks: [String] = []
        for device in plan.devices {
            var rows: [[String]] = [["local start", "local end", "kW", "kWh", "\(tariff.currency)/kWh", "cost"]]
            for slot in device.slots {
                rows.append([
                    localTime(slot.start), localTime(slot.end),
                    String(format: "%.3f", slot.powerW / 1000),
                    String(format: "%.3f", slot.energyWh / 1000),
                    slot.energyWh > 0 ? formatPrice(slot.cost / slot.energyWh * 1000) : "-",
                    formatMoney(slot.cost),
                ])
            }
            var block = deviceLine(device)
            block += device.slots.isEmpty ? "\n  nothing to charge" : "\n" + TextTable(rows: rows, rightAligned: [2, 3, 4, 5]).render()
            blocks.append(block)
        }
        if plan.devices.count > 1 {
            blocks.append("total: \(formatMoney(plan.cost)) \(tariff.currency), saves \(formatMoney(plan.savings)) "
                          + "(\(percent(plan.savings, plan.baselineCost))) against charging at once")
        }
        return blocks.joined(separator: "\n\n")
    }

    private func deviceLine(_ device: DevicePlan) -> String {
        let r = device.request
        var line = "\(r.deviceId) (\(r.direction.rawValue)) \(localTime(r.start)) to \(localTime(r.end)): "
        line += String(format: "%.3f kWh", device.energyWh / 1000)
        line += " in \(device.slots.count) slot\(device.slots.count == 1 ? "" : "s"), "
        line += "\(r.direction == .export ? "earns" : "costs") \(formatMoney(device.cost)) \(tariff.currency), "
        line += "saves \(formatMoney(device.savings)) (\(percent(device.savings, device.baselineCost))) against charging at once"
        if device.shortfallWh > 0 {
            line += String(format: "; shortfall %.3f kWh", device.shortfallWh / 1000)
        }
        if device.confidence < 1 {
            line += String(format: "; forecast prices (confidence %.2f)", device.confidence)
        }
        return line
    }

    private func percent(_ savings: Double, _ baseline: Double) -> String {
        abs(baseline) > 1e-12 ? String(format: "%.1f%%", savings / abs(baseline) * 100) : "0.0%"
    }

    /// Local wall-clock time with seconds and the UTC offset, e.g. `2025-10-07 03:14:35 +02:00`.
    private func localTime(_ instant: Date) -> String {
        let offset = tariff.calendar.offsetSeconds(at: instant)
        var text = Timestamp.format(instant.addingTimeInterval(Double(offset)))
        text.removeLast()  // the Z
        text = text.replacingOccurrences(of: "T", with: " ")
        let sign = offset < 0 ? "-" : "+"
        return text + " " + sign + String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) / 60 % 60)
    }
}

func formatMoney(_ value: Double) -> String {
    String(format: "%.4f", abs(value) < 5e-5 ? 0 : value)
}
