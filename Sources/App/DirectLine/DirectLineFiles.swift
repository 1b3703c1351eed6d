import Domain
import Storage
import Yams

/// The direct line's configuration files: departments (config/departments.yaml), screening rules
/// (config/screening.yaml) and the demo's suggestions. Read strictly: an unknown key or a value of the wrong kind is
/// refused naming the file, the entry and what it must be.
package enum DirectLineFiles {
    package static func departments(yaml: String, file: String) throws(CampaignFileError) -> [DepartmentRecord] {
        let root = try mapping(yaml, file: file, keys: ["departments"])
        guard let list = root["departments"] as? [Any], !list.isEmpty else {
            throw CampaignFileError(file: file, keyPath: "departments", problem: "must be a list of at least one department")
        }
        var departments: [DepartmentRecord] = []
        var seen: Set<String> = []
        for (index, item) in list.enumerated() {
            let path = "departments[\(index)]"
            guard let entry = item as? [String: Any] else {
                throw CampaignFileError(file: file, keyPath: path, problem: "must be a mapping with id, name and optionally triage")
            }
            if let unknown = entry.keys.sorted().first(where: { !["id", "name", "triage"].contains($0) }) {
                throw CampaignFileError(file: file, keyPath: path, problem: "unknown key \"\(unknown)\"; a department has id, name and triage")
            }
            guard let id = entry["id"] as? String, !id.isEmpty, id.utf8.count <= 64,
                  id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
                throw CampaignFileError(file: file, keyPath: path + ".id", problem: "must be 1 to 64 lower-case letters, digits or '-'")
            }
            guard seen.insert(id).inserted else {
                throw CampaignFileError(file: file, keyPath: path + ".id", problem: "\"\(id)\" is listed twice")
            }
            guard let name = entry["name"] as? [String: Any], let zh = name["zh"] as? String, let en = name["en"] as? String,
                  !zh.isEmpty, !en.isEmpty, name.count == 2 else {
                throw CampaignFileError(file: file, keyPath: path + ".name", problem: "must be {zh: …, en: …}, both non-empty")
            }
            var triage = false
            if let value = entry["triage"] {
                guard let flag = value as? Bool else {
                    throw CampaignFileError(file: file, keyPath: path + ".triage", problem: "must be true or false")
                }
                triage = flag
            }
            departments.append(DepartmentRecord(id: id, name: LocalizedText(zh: zh, en: en), triage: triage))
        }
        let triaging = departments.filter(\.triage).count
        guard triaging == 1 else {
            throw CampaignFileError(file: file, keyPath: "departments", problem:
                "exactly one department must have triage: true (the mayor's office, which sees every letter); \(triaging) have")
        }
        return departments
    }

    package static func screening(yaml: String, file: String) throws(CampaignFileError) -> ScreeningRules {
        let root = try mapping(yaml, file: file, keys: ["block", "hold"])
        func words(_ key: String) throws(CampaignFileError) -> [String] {
            guard let value = root[key] else { return [] }
            guard let list = value as? [Any], list.allSatisfy({ ($0 as? String)?.isEmpty == false }) else {
                throw CampaignFileError(file: file, keyPath: key, problem: "must be a list of words (non-empty strings)")
            }
            return list.compactMap { $0 as? String }
        }
        return ScreeningRules(blocked: try words("block"), held: try words("hold"))
    }

    package struct DemoSuggestion: Sendable {
        package var project: String
        package var level: SatisfactionLevel
        package var suggestion: String
    }

    package static func demoSuggestions(yaml: String, file: String) throws(CampaignFileError) -> [DemoSuggestion] {
        let root = try mapping(yaml, file: file, keys: ["suggestions"])
        guard let list = root["suggestions"] as? [Any] else {
            throw CampaignFileError(file: file, keyPath: "suggestions", problem: "must be a list of {project, level, suggestion}")
        }
        var out: [DemoSuggestion] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any], let project = entry["project"] as? String,
                  let raw = entry["level"] as? Int, let level = SatisfactionLevel(rawValue: raw),
                  let suggestion = entry["suggestion"] as? String, !suggestion.isEmpty, entry.count == 3 else {
                throw CampaignFileError(file: file, keyPath: "suggestions[\(index)]", problem:
                    "must be {project: slug, level: 1 to 5, suggestion: text}")
            }
            out.append(DemoSuggestion(project: project, level: level, suggestion: suggestion))
        }
        return out
    }

    static func mapping(_ yaml: String, file: String, keys: Set<String>) throws(CampaignFileError) -> [String: Any] {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: yaml)
        } catch {
            throw CampaignFileError(yamlError: error, yaml: yaml, file: file) ?? CampaignFileError(file: file, problem: "is not valid YAML")
        }
        guard let root = loaded as? [String: Any] else {
            throw CampaignFileError(file: file, problem: "must be a mapping with the keys \(keys.sorted().joined(separator: ", "))")
        }
        if let unknown = root.keys.sorted().first(where: { !keys.contains($0) }) {
            throw CampaignFileError(file: file, keyPath: unknown, problem:
                "unknown key; the file has only \(keys.sorted().joined(separator: ", "))")
        }
        return root
    }
}
