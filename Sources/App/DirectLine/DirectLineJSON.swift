import Domain
import Storage

/// How threads and entries look on the wire (docs/PROTOCOL.md, "The mayor's direct line"): the citizen's view and
/// staff's. What a citizen must not see (contact details, notes, who is assigned, the internal side of events) is
/// left out here, in one place.
enum DirectLineJSON {
    /// `clock`: staff's view also says what the letter owes now and by when (`due`).
    static func thread(_ thread: ThreadRecord, staff: Bool, clock: ResponseClock? = nil, into json: inout JSONWriter) {
        json.beginObject()
        if staff { json.field("id", thread.id) }
        json.field("code", thread.code)
        json.field("kind", thread.kind.rawValue)
        json.field("subject", thread.subject)
        json.field("status", thread.status.rawValue)
        json.field("department", thread.department)
        json.field("project", thread.project)
        json.field("publish", thread.publish)
        json.field("createdAt", thread.createdAt)
        json.field("updatedAt", thread.updatedAt)
        json.field("lastSeq", thread.lastSeq)
        json.key("read")
        json.beginObject()
        json.field("citizen", thread.citizenReadSeq)
        json.field("staff", thread.staffReadSeq)
        json.endObject()
        if staff {
            json.field("assignee", thread.assignee)
            json.field("contact", thread.contact)
            json.field("invalidReason", thread.invalidReason)
            json.field("held", thread.held)
            json.field("preview", thread.preview)
            json.key("firstResponseAt")
            if let at = thread.firstResponseAt { json.int(at) } else { json.null() }
            json.key("due")
            if let deadline = clock?.deadline(for: thread) {
                json.beginObject()
                json.field("what", deadline.what)
                json.field("at", deadline.at)
                json.field("standing", deadline.standing.rawValue)
                json.endObject()
            } else {
                json.null()
            }
        }
        // Both views: whether the office has answered (the citizen may then rate the answer) and the rating.
        json.key("firstAnswerAt")
        if let at = thread.firstAnswerAt { json.int(at) } else { json.null() }
        json.key("satisfaction")
        if let level = thread.satisfaction { json.int(level.rawValue) } else { json.null() }
        json.endObject()
    }

    static func entry(_ entry: EntryRecord, staff: Bool, into json: inout JSONWriter) {
        json.beginObject()
        json.field("seq", entry.seq)
        json.field("kind", entry.kind.rawValue)
        json.field("body", entry.kind == .event && !staff ? nil : entry.body)
        json.field("at", entry.at)
        json.field("clientId", staff || entry.kind == .citizen ? entry.clientID : nil)
        if staff {
            json.field("author", entry.author)
            json.field("authorName", entry.authorDisplayName)
        } else {
            json.field("author", nil)
            json.field("authorName", nil)
        }
        if let event = entry.event {
            json.field("event", event.kind.rawValue)
            json.field("status", event.status?.rawValue)
            if staff {
                json.field("assignee", event.assignee)
                json.field("department", event.department)
                json.field("note", event.note)
                json.key("level")
                if let level = event.level { json.int(level) } else { json.null() }
            }
        }
        json.endObject()
    }

    /// `{"type":"entry","topic":…,"entry":…}`
    static func entryMessage(_ entry: EntryRecord, topic: String, staff: Bool) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "entry")
        json.field("topic", topic)
        json.key("entry")
        self.entry(entry, staff: staff, into: &json)
        json.endObject()
        return json.bytes
    }

    /// `{"type":"thread","topic":…,"thread":…}`
    static func threadMessage(_ thread: ThreadRecord, topic: String, staff: Bool, clock: ResponseClock? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "thread")
        json.field("topic", topic)
        json.key("thread")
        self.thread(thread, staff: staff, clock: clock, into: &json)
        json.endObject()
        return json.bytes
    }

    static func typingMessage(topic: String, by: ThreadReader, name: String?) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "typing")
        json.field("topic", topic)
        json.field("by", by.rawValue)
        json.field("name", name)
        json.endObject()
        return json.bytes
    }

    static func readMessage(topic: String, by: ThreadReader, seq: Int64) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "read")
        json.field("topic", topic)
        json.field("by", by.rawValue)
        json.field("seq", seq)
        json.endObject()
        return json.bytes
    }

    static func caughtUp(topic: String, thread: ThreadRecord, seq: Int64) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "caught_up")
        json.field("topic", topic)
        json.field("seq", seq)
        json.field("status", thread.status.rawValue)
        json.key("read")
        json.beginObject()
        json.field("citizen", thread.citizenReadSeq)
        json.field("staff", thread.staffReadSeq)
        json.endObject()
        json.endObject()
        return json.bytes
    }

    /// `{"thread":…,"entries":[…]}`: a thread page's or the console's first load.
    static func threadWithEntries(_ thread: ThreadRecord, entries: [EntryRecord], staff: Bool, clock: ResponseClock? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key("thread")
        self.thread(thread, staff: staff, clock: clock, into: &json)
        json.key("entries")
        json.beginArray()
        for entry in entries where staff || entry.visibleToCitizen { self.entry(entry, staff: staff, into: &json) }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// `{"threads":[…]}`, and for a page of an inbox `"next"`: the cursor of the following page, or null.
    static func threads(_ threads: [ThreadRecord], staff: Bool, clock: ResponseClock? = nil, next: String?? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key("threads")
        json.beginArray()
        for thread in threads { self.thread(thread, staff: staff, clock: clock, into: &json) }
        json.endArray()
        if let next { json.field("next", next) }
        json.endObject()
        return json.bytes
    }

    static func user(_ user: StaffUserRecord, into json: inout JSONWriter) {
        json.beginObject()
        json.field("name", user.name)
        json.field("displayName", user.displayName)
        json.field("role", user.role.rawValue)
        json.key("departments")
        json.beginArray()
        for department in user.departments { json.string(department) }
        json.endArray()
        json.endObject()
    }

    static func wrapped(_ key: String, _ write: (inout JSONWriter) -> Void) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key(key)
        write(&json)
        json.endObject()
        return json.bytes
    }
}
