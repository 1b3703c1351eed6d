extension CampaignDefinition {
    /// Limits on a campaign file. They bound what one import can put in the database and on a citizen's screen.
    package enum Limits {
        /// Projects per campaign. A province lists tens of projects a year; a thousand leaves room for a city's
        /// district-level list while keeping the whole board (sent to every viewer) small.
        package static let maxProjects = 1_000
        /// Key figures per project: a card shows a handful; more is a mistake in the file.
        package static let maxFiguresPerProject = 32
        /// Unicode scalars in one text (title, summary, …): a long "what was done" is a few thousand characters.
        package static let maxTextLength = 20_000
        /// Unicode scalars in an identifier (campaign id, project slug): it is part of a URL printed as a QR code,
        /// and a short URL makes a coarser, more easily scanned QR code.
        package static let maxIdentifierLength = 64
        /// Unicode scalars in the time zone name (IANA names are at most about 30).
        package static let maxTimeZoneLength = 64
    }

    /// One broken rule, named by its key path in the definition (`projects[2].slug`, `levelLabels[0].zh`) and what is
    /// wrong there, apart, so that a campaign file can point at the line of that key.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// Keys and indices from the definition's root, as in `projects[2].figures[0].value.zh`.
        package var path: String
        /// What is wrong, written to follow the path: `"School A" must be 1 to 64 characters of a-z, 0-9 and -`.
        package var text: String

        package init(_ path: String, _ text: String) {
            self.path = path
            self.text = text
        }

        /// `projects[2].slug "School A" must be …`: the form `DomainError.invalidDefinition` carries.
        package var description: String { "\(path) \(text)" }
    }

    /// Checks everything the database and the client rely on, and names the first problem found by its path
    /// in the file (`projects[2].slug`).
    package func validate() throws(DomainError) {
        do {
            try check()
        } catch {
            throw .invalidDefinition(error.description)
        }
    }

    /// `validate()`, with the problem's path and text apart.
    package func check() throws(Problem) {
        try Self.checkIdentifier(id, at: "id")
        try Self.checkText(title, at: "title")
        guard opensAt < closesAt else {
            throw Problem("opensAt", "(\(opensAt)) must be before closesAt (\(closesAt))")
        }
        try Self.checkTimeZone(timeZone)
        guard levelLabels.count == SatisfactionLevel.allCases.count else {
            throw Problem("levelLabels", "must have exactly 5 entries, from level 1 to level 5; it has \(levelLabels.count)")
        }
        for (index, label) in levelLabels.enumerated() {
            try Self.checkText(label, at: "levelLabels[\(index)]")
        }
        guard !projects.isEmpty else { throw Problem("projects", "must not be empty") }
        guard projects.count <= Limits.maxProjects else {
            throw Problem("projects", "has \(projects.count) entries; at most \(Limits.maxProjects) are allowed")
        }
        var slugs: [String: Int] = [:]
        for (index, project) in projects.enumerated() {
            let path = "projects[\(index)]"
            try Self.checkIdentifier(project.slug, at: "\(path).slug")
            if let first = slugs.updateValue(index, forKey: project.slug) {
                throw Problem("\(path).slug", "\"\(project.slug)\" repeats projects[\(first)].slug")
            }
            try Self.checkText(project.title, at: "\(path).title")
            try Self.checkText(project.department, at: "\(path).department")
            try Self.checkText(project.summary, at: "\(path).summary")
            try Self.checkText(project.promised, at: "\(path).promised")
            try Self.checkText(project.done, at: "\(path).done")
            guard project.figures.count <= Limits.maxFiguresPerProject else {
                throw Problem("\(path).figures", "has \(project.figures.count) entries; at most \(Limits.maxFiguresPerProject) are allowed")
            }
            for (figureIndex, figure) in project.figures.enumerated() {
                try Self.checkText(figure.label, at: "\(path).figures[\(figureIndex)].label")
                try Self.checkText(figure.value, at: "\(path).figures[\(figureIndex)].value")
            }
        }
    }

    /// `[a-z0-9-]{1,64}`: campaign ids and project slugs appear in URLs and QR codes.
    package static func isValidIdentifier(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (1...Limits.maxIdentifierLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
        }
    }

    private static func checkIdentifier(_ value: String, at path: String) throws(Problem) {
        guard isValidIdentifier(value) else {
            throw Problem(path, "\"\(value)\" must be 1 to \(Limits.maxIdentifierLength) characters of a-z, 0-9 and -")
        }
    }

    /// Both languages present (not only whitespace) and within `Limits.maxTextLength`.
    private static func checkText(_ text: LocalizedText, at path: String) throws(Problem) {
        for (language, value) in [("zh", text.zh), ("en", text.en)] {
            guard value.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
                throw Problem("\(path).\(language)", "must not be empty")
            }
            guard value.unicodeScalars.count <= Limits.maxTextLength else {
                throw Problem("\(path).\(language)", "is longer than \(Limits.maxTextLength) characters")
            }
        }
    }

    /// An IANA name ("Asia/Shanghai", "Etc/GMT+8", "UTC") that browsers know: pages format every time in this zone,
    /// and `Intl.DateTimeFormat` throws on a name it does not know, which would break every page of the campaign.
    /// The shape is checked first (a bounded, printable name in the error); the domain is pure, so the names come
    /// from a list compiled in, `IANATimeZone.names`.
    private static func checkTimeZone(_ value: String) throws(Problem) {
        let bytes = value.utf8
        let wellFormed = (1...Limits.maxTimeZoneLength).contains(bytes.count)
            && bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            }
            && bytes.first != UInt8(ascii: "/") && bytes.last != UInt8(ascii: "/")
        guard wellFormed, IANATimeZone.names.contains(value) else {
            throw Problem("timeZone", "\"\(value)\" is not an IANA time zone name; use one such as Asia/Shanghai")
        }
    }
}
