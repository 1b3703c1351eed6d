import Domain
import Yams

/// Builds a `CampaignDefinition` from the nodes `Yams.compose` makes, refusing whatever the format does not have.
/// `YAMLDecoder` skips keys it does not know, so `{zh: 12,480个, en: "12,480"}` — a flow mapping whose comma ends the
/// value and makes `480个` a key — loaded as "12". Here an unknown key, a missing key or a node of the wrong kind is an
/// error that names the file, the line (from the node's `mark`) and the key path.
///
/// A value that YAML reads as a number, boolean or date where text is expected (`en: 12`) is taken as written:
/// the scalar's own characters, which is what the operator meant.
struct CampaignFileReader {
    let file: String
    /// The file's lines, to tell a flow mapping (`{…}`) from a block one: Yams does not keep the style it parsed.
    private let sourceLines: [Substring]
    /// The line of every key and list entry read, by key path (`projects[2].slug` → 14), to place the problems that
    /// `CampaignDefinition.check()` finds later.
    private var lines: [String: Int] = [:]

    init(file: String, yaml: String) {
        self.file = file
        sourceLines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    }

    // MARK: - The format

    /// A kind of mapping in the format: its keys, and how errors speak of it.
    struct Shape {
        /// "a text", "a project": the subject of "has only the keys …".
        var name: String
        /// In the order docs/CAMPAIGNS.md lists them.
        var keys: [String]
        /// The keys that may be left out.
        var optional: [String] = []

        static let campaign = Shape(
            name: "a campaign file", keys: ["id", "title", "opens", "closes", "timeZone", "levels", "projects"], optional: ["levels"])
        static let project = Shape(
            name: "a project", keys: ["slug", "title", "department", "summary", "promised", "done", "figures"], optional: ["figures"])
        static let figure = Shape(name: "a figure", keys: ["label", "value"])
        static let text = Shape(name: "a text", keys: ["zh", "en"])

        var required: [String] { keys.filter { !optional.contains($0) } }

        var onlyKeys: String { "\(name) has only the keys \(Self.list(keys))" }

        var needs: String {
            let needed = required.count == 2 ? "both \(Self.list(required))" : Self.list(required)
            let mayGo = optional.isEmpty ? "" : " (\(Self.list(optional)) may be left out)"
            return "\(name) needs \(needed)\(mayGo)"
        }

        /// "a, b and c".
        static func list(_ words: [String]) -> String {
            words.count <= 1 ? words.joined() : words.dropLast().joined(separator: ", ") + " and " + words.last!
        }
    }

    /// A mapping's values by key, once unknown and repeated keys are refused.
    struct Fields {
        var path: String
        var shape: Shape
        /// Where a missing key is reported: the line of the key that holds this mapping.
        var line: Int?
        var values: [String: Node]
    }

    // MARK: - Reading

    /// The whole file.
    mutating func campaign(_ root: Node?) throws(CampaignFileError) -> CampaignDefinition {
        guard let root else {
            throw CampaignFileError(
                file: file, problem: "has no campaign in it; \(Shape.campaign.name) is a mapping of \(Shape.list(Shape.campaign.keys))")
        }
        let fields = try self.fields(of: root, at: "", as: .campaign)
        let id = try string(required("id", in: fields), at: "id")
        let title = try text(required("title", in: fields), at: "title")
        let opens = try string(required("opens", in: fields), at: "opens")
        let closes = try string(required("closes", in: fields), at: "closes")
        let timeZone = try string(required("timeZone", in: fields), at: "timeZone")
        var levels: [LocalizedText]?
        if let node = fields.values["levels"] {
            levels = []
            for (index, entry) in try list(node, at: "levels", of: "labels, level 1 (very dissatisfied) first").enumerated() {
                levels?.append(try text(entry, at: "levels[\(index)]"))
            }
        }
        var projects: [ProjectDefinition] = []
        for (index, entry) in try list(required("projects", in: fields), at: "projects", of: "projects").enumerated() {
            projects.append(try project(entry, at: "projects[\(index)]"))
        }

        guard let opensAt = ISO8601Instant.milliseconds(opens) else {
            throw error(at: "opens", "\(Self.quoted(opens)) is not an ISO 8601 time with its UTC offset, like \"2026-11-01T09:00:00+08:00\"")
        }
        guard let closesAt = ISO8601Instant.milliseconds(closes) else {
            throw error(at: "closes", "\(Self.quoted(closes)) is not an ISO 8601 time with its UTC offset, like \"2027-03-31T18:00:00+08:00\"")
        }
        guard opensAt < closesAt else {
            throw error(at: "closes", "\(Self.quoted(closes)) is not after opens (\(opens)); the window must close after it opens")
        }
        return CampaignDefinition(
            id: id, title: title, opensAt: opensAt, closesAt: closesAt, timeZone: timeZone,
            levelLabels: levels ?? SatisfactionLevel.defaultLabels, projects: projects)
    }

    private mutating func project(_ node: Node, at path: String) throws(CampaignFileError) -> ProjectDefinition {
        let fields = try self.fields(of: node, at: path, as: .project)
        let slug = try string(required("slug", in: fields), at: "\(path).slug")
        let title = try text(required("title", in: fields), at: "\(path).title")
        let department = try text(required("department", in: fields), at: "\(path).department")
        let summary = try text(required("summary", in: fields), at: "\(path).summary")
        let promised = try text(required("promised", in: fields), at: "\(path).promised")
        let done = try text(required("done", in: fields), at: "\(path).done")
        var figures: [ProjectFigure] = []
        if let node = fields.values["figures"] {
            for (index, entry) in try list(node, at: "\(path).figures", of: "figures").enumerated() {
                let figurePath = "\(path).figures[\(index)]"
                let figure = try self.fields(of: entry, at: figurePath, as: .figure)
                figures.append(ProjectFigure(
                    label: try text(required("label", in: figure), at: "\(figurePath).label"),
                    value: try text(required("value", in: figure), at: "\(figurePath).value")))
            }
        }
        return ProjectDefinition(
            slug: slug, title: title, department: department, summary: summary, promised: promised, done: done, figures: figures)
    }

    /// `{zh: …, en: …}`, in flow or block style.
    private mutating func text(_ node: Node, at path: String) throws(CampaignFileError) -> LocalizedText {
        let fields = try self.fields(of: node, at: path, as: .text)
        return LocalizedText(
            zh: try string(required("zh", in: fields), at: "\(path).zh"),
            en: try string(required("en", in: fields), at: "\(path).en"))
    }

    /// A scalar, as written. A plain `~`, `null` or nothing is the empty text (validation then says it is empty).
    private func string(_ node: Node, at path: String) throws(CampaignFileError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(at: path, line: node.mark?.line,
                        "is \(Self.kind(of: node)); it must be a single value (quote a text that starts with { or [)")
        }
        return Self.isNull(node) ? "" : scalar.string
    }

    /// A list's entries; a plain null (`figures:` with nothing after it) is the empty list.
    private mutating func list(_ node: Node, at path: String, of what: String) throws(CampaignFileError) -> [Node] {
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            throw error(at: path, line: node.mark?.line, "is \(Self.kind(of: node)); it must be a list of \(what), each on a line starting with \"- \"")
        }
        let entries = Array(sequence)
        for (index, entry) in entries.enumerated() {
            lines["\(path)[\(index)]"] = entry.mark?.line
        }
        return entries
    }

    /// Refuses a node that is not a mapping, a key that is not a name, a key `shape` does not have and a key written
    /// twice, in the file's order, so that the first problem in the file is the one reported.
    private mutating func fields(of node: Node, at path: String, as shape: Shape) throws(CampaignFileError) -> Fields {
        // A key missing from the file as a whole is on no line in particular.
        let line = path.isEmpty ? nil : lines[path] ?? node.mark?.line
        guard case .mapping(let mapping) = node else {
            let example = shape.name == Shape.text.name ? ", like {zh: 标题, en: Title}" : ""
            throw error(at: path, line: node.mark?.line,
                        (path.isEmpty ? "the file " : "") + "is \(Self.kind(of: node)); \(shape.name) is a mapping of \(Shape.list(shape.keys))\(example)")
        }
        var fields = Fields(path: path, shape: shape, line: line, values: [:])
        var previous: Node?
        for (keyNode, value) in mapping {
            defer { previous = value }
            guard case .scalar(let scalar) = keyNode else {
                throw error(at: path, line: keyNode.mark?.line, "a key is \(Self.kind(of: keyNode)); \(shape.onlyKeys)")
            }
            let key = scalar.string
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard shape.keys.contains(key) else {
                throw error(at: path, line: keyNode.mark?.line,
                            "unknown key \(Self.quoted(key)); \(shape.onlyKeys)" + hint(forUnknownKey: key, value: value, after: previous, in: node, keys: shape.keys))
            }
            if fields.values[key] != nil {
                throw error(at: keyPath, line: keyNode.mark?.line,
                            "written twice (first on line \(lines[keyPath].map(String.init) ?? "?")); a key may appear only once in a mapping")
            }
            fields.values[key] = value
            lines[keyPath] = keyNode.mark?.line
        }
        return fields
    }

    private func required(_ key: String, in fields: Fields) throws(CampaignFileError) -> Node {
        guard let node = fields.values[key] else {
            throw error(at: fields.path.isEmpty ? key : "\(fields.path).\(key)", line: fields.line, "missing; \(fields.shape.needs)")
        }
        return node
    }

    /// Why a key may be unknown: a comma inside `{…}` that ended the value before it (`{zh: 12,480个, …}` is the
    /// keys zh, "480个" and en), or a key written in the wrong case.
    private func hint(forUnknownKey key: String, value: Node, after previous: Node?, in mapping: Node, keys: [String]) -> String {
        if isFlow(mapping), Self.isNull(value), case .scalar(let before)? = previous {
            return " (a comma inside {…} ends the value: quote a value that contains a comma, like \"\(before.string),\(key)\")"
        }
        if let meant = keys.first(where: { $0.lowercased() == key.lowercased() }) {
            return " (did you mean \(meant)?)"
        }
        return ""
    }

    /// Whether the mapping was written `{…}`: its mark is at its first character.
    private func isFlow(_ node: Node) -> Bool {
        guard let mark = node.mark, sourceLines.indices.contains(mark.line - 1) else { return false }
        let scalars = sourceLines[mark.line - 1].unicodeScalars
        return scalars.dropFirst(mark.column - 1).first == "{"
    }

    // MARK: - Errors

    private func error(at path: String, line: Int? = nil, _ problem: String) -> CampaignFileError {
        CampaignFileError(file: file, line: line ?? self.line(of: path), keyPath: path, problem: problem)
    }

    /// A problem `CampaignDefinition.check()` found, at the line of its key (or of the nearest key above it that the
    /// file has: `levels` is absent when the labels are the default ones).
    func error(for problem: CampaignDefinition.Problem) -> CampaignFileError {
        let path = Self.filePath(problem.path)
        return CampaignFileError(file: file, line: line(of: path), keyPath: path, problem: problem.text)
    }

    /// The line of `path`, or of its nearest ancestor that was read.
    func line(of path: String) -> Int? {
        var path = Substring(path)
        while !path.isEmpty {
            if let line = lines[String(path)] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return nil
    }

    /// The definition's names for what the file calls otherwise.
    private static func filePath(_ path: String) -> String {
        for (definition, file) in [("levelLabels", "levels"), ("opensAt", "opens"), ("closesAt", "closes")]
        where path == definition || path.hasPrefix(definition + "[") || path.hasPrefix(definition + ".") {
            return file + path.dropFirst(definition.count)
        }
        return path
    }

    /// Finds, in a file composed again with a repeated key renamed at `mark`, the path of that key and the line where
    /// it is written the second time (see `CampaignFileError.repeatedKey`).
    static func repeatedKey(_ key: String, renamedAt mark: Mark, in node: Node, path: String = "") -> (path: String, line: Int)? {
        switch node {
        case .mapping(let mapping):
            if mapping.keys.contains(where: { $0.mark?.line == mark.line && $0.mark?.column == mark.column }),
               let second = mapping.keys.first(where: { $0.scalar?.string == key })?.mark {
                return (path.isEmpty ? key : "\(path).\(key)", second.line)
            }
            for (keyNode, value) in mapping {
                let name = keyNode.scalar?.string ?? "?"
                if let found = repeatedKey(key, renamedAt: mark, in: value, path: path.isEmpty ? name : "\(path).\(name)") {
                    return found
                }
            }
            return nil
        case .sequence(let sequence):
            for (index, entry) in sequence.enumerated() {
                if let found = repeatedKey(key, renamedAt: mark, in: entry, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }

    private static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return node.tag.rawValue == Tag.Name.null.rawValue
    }

    /// What a node is, in YAML's words, for "is …; it must be …".
    private static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): isNull(node) ? "empty" : "the single value \(quoted(scalar.string))"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// A value quoted for an error, cut at 40 characters.
    static func quoted(_ value: String) -> String {
        value.unicodeScalars.count <= 40 ? "\"\(value)\"" : "\"\(String(String.UnicodeScalarView(value.unicodeScalars.prefix(40))))…\""
    }
}
