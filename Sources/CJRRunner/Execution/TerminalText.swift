/// Plain text from a terminal's output stream: drops the escape sequences programs write
/// to a terminal (colours and cursor moves: CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`,
/// and `ESC x` with any intermediate bytes, as `ESC ( B`), keeping every other byte,
/// carriage returns and tabs included.
/// Stateful, so a sequence split across pieces of output is still removed whole.
public struct TerminalText {
    private enum State {
        case text, escape, escapeIntermediate, controlSequence, operatingCommand, operatingCommandEscape
    }

    private var state = State.text

    public init() {}

    public mutating func plain(_ bytes: [UInt8]) -> [UInt8] {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for byte in bytes {
            switch state {
            case .text:
                if byte == 0x1B { state = .escape } else { kept.append(byte) }
            case .escape:
                switch byte {
                case UInt8(ascii: "["): state = .controlSequence
                case UInt8(ascii: "]"): state = .operatingCommand
                case 0x20...0x2F: state = .escapeIntermediate // ESC ( B, ESC # 8, …
                default: state = .text // a two-byte sequence (ESC c, ESC 7, …)
                }
            case .escapeIntermediate:
                if !(0x20...0x2F).contains(byte) { state = .text }
            case .controlSequence:
                if (0x40...0x7E).contains(byte) { state = .text } // the final byte
            case .operatingCommand:
                if byte == 0x07 { state = .text } else if byte == 0x1B { state = .operatingCommandEscape }
            case .operatingCommandEscape:
                state = byte == UInt8(ascii: "\\") ? .text : .operatingCommand
            }
        }
        return kept
    }
}
