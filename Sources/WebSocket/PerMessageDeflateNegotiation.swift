/// The server side of the permessage-deflate negotiation (RFC 7692 §5, §7.1): picks the first acceptable offer from the
/// request's `Sec-WebSocket-Extensions` and builds the response value.
package enum PerMessageDeflateNegotiation {
    /// RFC 7692 §7: the extension name.
    package static let extensionName = "permessage-deflate"

    /// `offers`: every `Sec-WebSocket-Extensions` value of the request (each may hold several comma-separated extensions,
    /// each with `;` parameters, RFC 6455 §9.1).
    ///
    /// Takes the first acceptable permessage-deflate offer. An offer with an unknown parameter, a duplicate parameter or
    /// an invalid value is declined, as RFC 7692 §5.1 and §7.1 say, and the next one is tried; so is one that does not
    /// parse. Returns the response value and the agreed parameters, or nil when no offer is acceptable (or the extension
    /// is disabled).
    ///
    /// The response says:
    /// - `server_no_context_takeover` when configured (RFC 7692 §7.1.1.1 allows it unasked) or asked for;
    /// - `client_no_context_takeover` when configured or offered (RFC 7692 §7.1.1.2: the offer is the client's own hint
    ///   that it will not take context over, so accepting it costs the client nothing);
    /// - `server_max_window_bits=N` only when the client asked for a limit (RFC 7692 §7.1.2.1), N the smaller of its value
    ///   and ours; with no such parameter we may still use a smaller window without saying so;
    /// - `client_max_window_bits=N` only when the client offered that parameter (RFC 7692 §7.1.2.2 forbids it otherwise)
    ///   and N < 15, N the smaller of its value and ours (ours raised to 9, see
    ///   ``PerMessageDeflateConfiguration/clientMaxWindowBits``).
    package static func negotiate(
        offers: [String], configuration: PerMessageDeflateConfiguration
    ) -> (response: String, parameters: PerMessageDeflateParameters)? {
        guard configuration.enabled else { return nil }
        for header in offers {
            for element in ExtensionHeaderParser.elements(of: header) {
                guard let element, element.name.lowercased() == extensionName,
                    let offer = Offer(element.parameters)
                else { continue }
                return accept(offer, configuration: configuration)
            }
        }
        return nil
    }

    /// The parameters of one permessage-deflate offer, validated (RFC 7692 §7.1).
    private struct Offer {
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        /// Offered at all (with or without a value)?
        var clientMaxWindowBitsOffered = false
        var clientMaxWindowBits: Int?

        init?(_ parameters: [(name: String, value: String?)]) {
            var seen = Set<String>()
            for (rawName, value) in parameters {
                let name = rawName.lowercased()
                // RFC 7692 §7.1: an offer with two of the same parameter is declined.
                guard seen.insert(name).inserted else { return nil }
                switch name {
                case "server_no_context_takeover":  // §7.1.1.1: no value
                    guard value == nil else { return nil }
                    serverNoContextTakeover = true
                case "client_no_context_takeover":  // §7.1.1.2: no value
                    guard value == nil else { return nil }
                    clientNoContextTakeover = true
                case "server_max_window_bits":  // §7.1.2.1: a value is required
                    guard let value, let bits = Self.windowBits(value) else { return nil }
                    serverMaxWindowBits = bits
                case "client_max_window_bits":  // §7.1.2.2: the value is optional
                    clientMaxWindowBitsOffered = true
                    if let value {
                        guard let bits = Self.windowBits(value) else { return nil }
                        clientMaxWindowBits = bits
                    }
                default:  // §7.1: unknown parameters are declined
                    return nil
                }
            }
        }

        /// RFC 7692 §7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15, inclusive".
        private static func windowBits(_ text: String) -> Int? {
            guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 2,
                text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let bits = Int(text), (8...15).contains(bits)
            else { return nil }
            return bits
        }
    }

    private static func accept(
        _ offer: Offer, configuration: PerMessageDeflateConfiguration
    ) -> (response: String, parameters: PerMessageDeflateParameters) {
        let serverNoContextTakeover = configuration.serverNoContextTakeover || offer.serverNoContextTakeover
        let clientNoContextTakeover = configuration.clientNoContextTakeover || offer.clientNoContextTakeover
        let serverBits = min(offer.serverMaxWindowBits ?? 15, configuration.serverMaxWindowBits)
        var clientBits = 15
        if offer.clientMaxWindowBitsOffered {
            clientBits = min(offer.clientMaxWindowBits ?? 15, max(configuration.clientMaxWindowBits, 9))
        }
        var response = extensionName
        if serverNoContextTakeover { response += "; server_no_context_takeover" }
        if clientNoContextTakeover { response += "; client_no_context_takeover" }
        if offer.serverMaxWindowBits != nil { response += "; server_max_window_bits=\(serverBits)" }
        if clientBits < 15 { response += "; client_max_window_bits=\(clientBits)" }
        let parameters = PerMessageDeflateParameters(
            serverNoContextTakeover: serverNoContextTakeover, clientNoContextTakeover: clientNoContextTakeover,
            serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits)
        return (response, parameters)
    }
}
