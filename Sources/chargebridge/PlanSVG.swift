import Foundation
import Planning
import Tariffs

/// A plan as a standalone SVG a browser can open: the price curve over the window (a step line),
/// the charging slots shaded behind it, and one row per device (up to 12) showing when it charges.
struct PlanSVG {
    var plan: Plan
    var tariff: Tariff
    var timeline: RateTimeline

    private let width = 960.0
    private let plotHeight = 300.0
    private let left = 72.0
    private let right = 24.0
    private let top = 48.0
    private let rowHeight = 16.0
    private let maxRows = 12

    func render() -> String {
        let from = timeline.from.timeIntervalSince1970
        let to = max(timeline.to.timeIntervalSince1970, from + 1)
        let devices = plan.devices.filter { $0.request.direction == tariff.direction }
        let rows = Array(devices.prefix(maxRows))
        let height = top + plotHeight + 44 + Double(rows.count) * rowHeight + (devices.count > maxRows ? rowHeight : 0) + 16
        let prices = timeline.slices.map(\.pricePerKWh)
        let low = min(0, prices.min() ?? 0)
        let high = max(prices.max() ?? 1, low + 1e-6)
        let plotWidth = width - left - right
        func x(_ t: Double) -> Double { left + (t - from) / (to - from) * plotWidth }
        func y(_ price: Double) -> Double { top + (high - price) / (high - low) * plotHeight }

        var out: [String] = []
        out.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        out.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(f(width))" height="\##(f(height))" viewBox="0 0 \##(f(width)) \##(f(height))" font-family="sans-serif" font-size="11">"##)
        out.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        let title = "Charging plan: \(formatMoney(plan.cost)) \(tariff.currency), saves \(formatMoney(plan.savings)) against charging at once"
        out.append(##"<text x="\##(f(left))" y="20" font-size="14" font-weight="bold">\##(escape(title))</text>"##)
        out.append(##"<text x="\##(f(left))" y="36" fill="#555">\##(escape("\(tariff.direction == .import ? "Import" : "Export") price, \(tariff.currency)/kWh; \(tariff.timeZone.identifier) local time"))</text>"##)

        // Charging slots, shaded behind the curve.
        for device in devices {
            for slot in device.slots {
                let x0 = x(slot.start.timeIntervalSince1970)
                let x1 = x(slot.end.timeIntervalSince1970)
                out.append(##"<rect x="\##(f(x0))" y="\##(f(top))" width="\##(f(max(0.5, x1 - x0)))" height="\##(f(plotHeight))" fill="#2e7d32" fill-opacity="0.18"/>"##)
            }
        }
        // Axes and price ticks.
        out.append(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotWidth))" height="\##(f(plotHeight))" fill="none" stroke="#999"/>"##)
        for step in 0...4 {
            let price = low + (high - low) * Double(step) / 4
            let py = y(price)
            out.append(##"<line x1="\##(f(left - 4))" y1="\##(f(py))" x2="\##(f(left + plotWidth))" y2="\##(f(py))" stroke="#ddd"/>"##)
            out.append(##"<text x="\##(f(left - 6))" y="\##(f(py + 4))" text-anchor="end">\##(String(format: "%.3f", price))</text>"##)
        }
        if low < 0 {
            out.append(##"<line x1="\##(f(left))" y1="\##(f(y(0)))" x2="\##(f(left + plotWidth))" y2="\##(f(y(0)))" stroke="#666" stroke-dasharray="4 3"/>"##)
        }
        // Time ticks on local hours.
        let span = to - from
        let stepHours = span <= 86_400 * 1.01 ? 2 : span <= 3 * 86_400 ? 6 : span <= 8 * 86_400 ? 12 : 24
        var tick = ceil(from / 3600) * 3600
        while tick <= to {
            let instant = Date(timeIntervalSince1970: tick)
            let (date, minute) = tariff.calendar.localDateAndMinute(of: instant)
            if minute % 60 == 0, (minute / 60) % stepHours == 0 {
                let tx = x(tick)
                out.append(##"<line x1="\##(f(tx))" y1="\##(f(top + plotHeight))" x2="\##(f(tx))" y2="\##(f(top + plotHeight + 4))" stroke="#666"/>"##)
                let label = minute == 0 ? "\(date)" : String(format: "%02d:00", minute / 60)
                out.append(##"<text x="\##(f(tx))" y="\##(f(top + plotHeight + 16))" text-anchor="middle">\##(label)</text>"##)
            }
            tick += 3600
        }
        // The price curve as a step line; gaps break it.
        var path = ""
        var lastEnd: Date?
        for slice in timeline.slices {
            let x0 = x(slice.start.timeIntervalSince1970)
            let x1 = x(slice.end.timeIntervalSince1970)
            let py = y(slice.pricePerKWh)
            path += lastEnd == slice.start ? "L\(f(x0)),\(f(py))" : "M\(f(x0)),\(f(py))"
            path += "L\(f(x1)),\(f(py))"
            lastEnd = slice.end
        }
        out.append(##"<path d="\##(path)" fill="none" stroke="#1565c0" stroke-width="1.5"/>"##)
        // One row per device: its charging slots, darker with more power.
        var rowY = top + plotHeight + 32
        for device in rows {
            let maxPower = max(device.request.maxPowerW, 1)
            out.append(##"<text x="\##(f(left - 6))" y="\##(f(rowY + 11))" text-anchor="end">\##(escape(device.request.deviceId))</text>"##)
            out.append(##"<rect x="\##(f(left))" y="\##(f(rowY + 2))" width="\##(f(plotWidth))" height="\##(f(rowHeight - 4))" fill="#f3f3f3"/>"##)
            for slot in device.slots {
                let x0 = x(slot.start.timeIntervalSince1970)
                let x1 = x(slot.end.timeIntervalSince1970)
                let opacity = 0.35 + 0.65 * min(1, slot.powerW / maxPower)
                out.append(##"<rect x="\##(f(x0))" y="\##(f(rowY + 2))" width="\##(f(max(0.5, x1 - x0)))" height="\##(f(rowHeight - 4))" fill="#2e7d32" fill-opacity="\##(f(opacity))"><title>\##(escape("\(device.request.deviceId): \(Timestamp.format(slot.start)) to \(Timestamp.format(slot.end)), \(Int(slot.powerW.rounded())) W, \(formatMoney(slot.cost)) \(tariff.currency)"))</title></rect>"##)
            }
            rowY += rowHeight
        }
        if devices.count > maxRows {
            out.append(##"<text x="\##(f(left))" y="\##(f(rowY + 11))" fill="#555">\##(devices.count - maxRows) more devices not shown in rows (their slots are shaded above)</text>"##)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
