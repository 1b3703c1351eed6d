import Domain
import Storage

/// How public versions look on the wire (docs/PROTOCOL.md, "Moderation and the public board"). Two views: staff's and
/// moderators' (`PublicVersion`: the texts as submitted, the decision and its note, who holds it) and the public's
/// (`BoardItem`: only the texts as approved, never a name, a code or anything unpublished).
enum ModerationJSON {
    /// `PublicVersion`.
    static func version(_ version: PublicVersionRecord, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", version.id)
        json.field("thread", version.thread)
        json.field("revision", version.revision)
        json.field("status", version.status.rawValue)
        json.field("question", version.question)
        json.field("answer", version.answer)
        json.field("submittedAt", version.submittedAt)
        json.field("author", version.author)
        json.field("authorName", version.authorName)
        json.field("kind", version.threadKind.rawValue)
        json.field("department", version.department)
        json.field("project", version.project)
        json.key("answeredAt")
        if let at = version.answeredAt { json.int(at) } else { json.null() }
        json.key("published")
        if let question = version.publishedQuestion, let answer = version.publishedAnswer, let at = version.publishedAt {
            json.beginObject()
            json.field("question", question)
            json.field("answer", answer)
            json.field("at", at)
            json.endObject()
        } else {
            json.null()
        }
        json.key("decision")
        if let decision = version.decision {
            json.beginObject()
            json.field("action", decision.action.rawValue)
            json.field("moderator", decision.moderator)
            json.field("moderatorName", decision.moderatorName)
            json.field("category", decision.category?.rawValue)
            json.field("note", decision.note)
            json.field("at", decision.at)
            json.endObject()
        } else {
            json.null()
        }
        json.key("hold")
        if let hold = version.hold {
            json.beginObject()
            json.field("by", hold.holder)
            json.field("byName", version.holdName ?? hold.holder)
            json.field("until", hold.expiresAt)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

    /// `BoardItem`: what the public message board shows of an approved version.
    static func boardItem(_ version: PublicVersionRecord, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", version.id)
        json.field("question", version.publishedQuestion ?? "")
        json.field("answer", version.publishedAnswer ?? "")
        json.field("kind", version.threadKind.rawValue)
        json.field("department", version.department)
        json.field("project", version.project)
        json.key("answeredAt")
        if let at = version.answeredAt { json.int(at) } else { json.null() }
        json.key("publishedAt")
        if let at = version.publishedAt { json.int(at) } else { json.null() }
        json.endObject()
    }

    static func queueState(_ state: QueueState, into json: inout JSONWriter) {
        json.field("depth", state.depth)
        json.key("oldestSubmittedAt")
        if let at = state.oldestSubmittedAt { json.int(at) } else { json.null() }
    }

    /// `{"type":"queue","topic":"moderation","event":…,"item":PublicVersion,"depth":n,"oldestSubmittedAt":…}`
    static func queueMessage(event: String, version: PublicVersionRecord, state: QueueState) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "queue")
        json.field("topic", "moderation")
        json.field("event", event)
        json.key("item")
        self.version(version, into: &json)
        queueState(state, into: &json)
        json.endObject()
        return json.bytes
    }

    /// `{"type":"public","topic":…,"version":PublicVersion}`: a case's or the inbox's news of a public version.
    static func publicMessage(_ version: PublicVersionRecord, topic: String) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "public")
        json.field("topic", topic)
        json.key("version")
        self.version(version, into: &json)
        json.endObject()
        return json.bytes
    }
}
