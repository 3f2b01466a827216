import Foundation

/// Seconds in a `Duration`.
func elapsedSeconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func median(_ samples: [Double]) -> Double { percentile(samples, 0.5) }

func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
}

/// One row of a results table: a name, samples in seconds, and the baseline's median.
func tableRow(_ name: String, _ samples: [Double], base: Double) -> String {
    "| \(name) | \(format(median(samples) * 1000)) | \(format(percentile(samples, 0.9) * 1000)) | \(format(median(samples) / base, digits: 1))× |"
}

func format(_ value: Double, digits: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    let text = "\(rounded)"
    let parts = text.split(separator: ".")
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    return parts[0] + "." + fraction.padding(toLength: digits, withPad: "0", startingAt: 0)
}
