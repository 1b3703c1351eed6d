import Yams

/// A campaign file refused, in the terms of the person who edits it: `FILE:LINE: KEYPATH: what is wrong and what it
/// must be`, as in `demo.yaml:25: projects[0].figures[0].value: unknown key "480个"; a text has only the keys zh and en`.
/// The description never names a Swift type (`DecodingError`, `CodingKeys`, an enum case): the operator edits YAML.
package struct CampaignFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it (its path).
    package var file: String
    /// From 1; nil when no line is at fault (the file cannot be opened, or is empty).
    package var line: Int?
    /// Keys and indices from the file's root (`projects[0].figures[0].value`); empty when the problem is the file's.
    package var keyPath: String
    /// What is wrong and what it must be.
    package var problem: String

    package init(file: String, line: Int? = nil, keyPath: String = "", problem: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.problem = problem
    }

    package var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + problem
    }
}

extension CampaignFileError {
    /// Says what Yams' parser refused, with its line, instead of its own description (several lines with a caret, or
    /// the whole file for a repeated key); nil for an error that is not Yams'. The configuration file is YAML too, and
    /// its syntax errors are said the same way.
    package init?(yamlError error: any Error, yaml: String, file: String) {
        guard let error = error as? YamlError else { return nil }
        let hint = "; check the quotes, brackets and indentation there"
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // libyaml puts the end of the stream on the line after the last one.
            var lineCount = yaml.split(separator: "\n", omittingEmptySubsequences: false).count
            if yaml.hasSuffix("\n") { lineCount -= 1 }
            let atEnd = mark.line > lineCount
            var text = "not valid YAML " + (atEnd ? "at the end of the file" : "at column \(mark.column)") + ": \(problem)"
            if let context {
                text += " (\(context.text)" + (context.mark.line == mark.line ? ")" : " that starts on line \(context.mark.line))")
            }
            self.init(file: file, line: atEnd ? max(lineCount, 1) : mark.line, problem: text + hint)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in 1 + yaml.unicodeScalars.prefix(offset).lazy.filter { $0 == "\n" }.count }
            self.init(file: file, line: line, problem: "not valid YAML: \(problem); a campaign file is UTF-8 text")
        case .duplicatedKeysInMapping(let duplicates, let context):
            self = Self.repeatedKey(duplicates.first ?? "", firstAt: context.mark, yaml: yaml, file: file)
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            self.init(file: file, problem: "cannot be read as YAML")
        }
    }

    /// A key written twice in one mapping. Yams refuses the whole document and gives only the first occurrence's
    /// position, so the key is renamed there and the file composed again, to find the key path and the second
    /// occurrence; if that fails too (another repeat), the first occurrence's line is all there is to say.
    private static func repeatedKey(_ key: String, firstAt first: Mark, yaml: String, file: String) -> CampaignFileError {
        let rule = "a key may appear only once in a mapping"
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.indices.contains(first.line - 1) {
            var scalars = Array(lines[first.line - 1].unicodeScalars)
            if scalars.indices.contains(first.column - 1) {
                scalars.insert(contentsOf: "lastword-repeated-".unicodeScalars, at: first.column - 1)
                lines[first.line - 1] = String(String.UnicodeScalarView(scalars))
                if let root = try? Yams.compose(yaml: lines.joined(separator: "\n")),
                   let found = CampaignFileReader.repeatedKey(key, renamedAt: first, in: root) {
                    return CampaignFileError(
                        file: file, line: found.line, keyPath: found.path,
                        problem: "written twice (first on line \(first.line)); \(rule)")
                }
            }
        }
        return CampaignFileError(file: file, line: first.line, problem: "key \"\(key)\" is written twice in one mapping; \(rule)")
    }
}
